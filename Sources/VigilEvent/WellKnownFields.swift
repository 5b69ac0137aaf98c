extension Symbol {
    /// `syslog_tag`: the whole RFC 3164 tag when it says more than the program name.
    ///
    /// Old PAM (and RHEL's run-parts) wrote the module into the tag, `sshd(pam_unix)[PID]:` or
    /// `su(pam_unix)[PID]:`. The parser makes the part before the parenthesis the event's program
    /// (``Event/app``: `sshd`), so decoders, logsources and rules see the program, and keeps the whole
    /// tag (`sshd(pam_unix)`) in this field, the first parser field of the event. Events whose tag is
    /// just a program name carry no such field.
    public static let syslogTag = Symbol("syslog_tag")
}
