import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct RFC3164ParserTests {
    struct Header: Equatable, CustomStringConvertible {
        var host: String?
        var app: String?
        var pid: String?
        var message: String?
        var pri: Int?
        var description: String {
            "host=\(host ?? "-") app=\(app ?? "-") pid=\(pid ?? "-") msg=\(message ?? "-") pri=\(pri.map(String.init) ?? "-")"
        }
    }

    static func header(_ line: String, options: ParserOptions = ParserOptions()) -> Header {
        let (batch, event) = parseOne(line, options: options)
        #expect(event.format == .rfc3164, "\(line): \(event.parseFailure.map(\.description) ?? "detected \(event.format)")")
        return Header(
            host: batch.string(event.host), app: batch.string(event.app), pid: batch.string(event.pid),
            message: batch.string(event.message),
            pri: event.facility.map { Int($0) * 8 + Int(event.severity!) })
    }

    @Test(arguments: [
        (
            "Mar  1 00:00:01 web-01 sshd[1234]: Failed password for root",
            Header(host: "web-01", app: "sshd", pid: "1234", message: "Failed password for root")
        ),
        ("<86>Mar  1 00:00:01 web-01 sshd[1234]: Accepted", Header(host: "web-01", app: "sshd", pid: "1234", message: "Accepted", pri: 86)),
        (
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=1.2.3.4 ",
            Header(host: "combo", app: "sshd", pid: "19939", message: "authentication failure; rhost=1.2.3.4 ")
        ),
        (
            "Mar  1 00:17:01 db-01 CRON[123]: (root) CMD (run-parts)",
            Header(host: "db-01", app: "CRON", pid: "123", message: "(root) CMD (run-parts)")
        ),
        (
            "Mar  1 00:00:02 k8s kernel: [2704314.401438] [UFW BLOCK] IN=eth0",
            Header(host: "k8s", app: "kernel", message: "[2704314.401438] [UFW BLOCK] IN=eth0")
        ),
        ("Mar  1 00:00:02 mail postfix/smtpd[77]: connect", Header(host: "mail", app: "postfix/smtpd", pid: "77", message: "connect")),
        ("Mar  1 00:00:02 h app:no-space", Header(host: "h", app: "app", message: "no-space")),
        ("Mar  1 00:00:02 h app[12] bracket only", Header(host: "h", app: "app", pid: "12", message: "bracket only")),
        ("Mar  1 00:00:02 h app[]: empty pid", Header(host: "h", app: "app", message: "empty pid")),
        ("Mar  1 00:00:02 h app:", Header(host: "h", app: "app")),
        // No tag: the word after the host is not ended by `:` or `[`.
        ("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", Header(host: "10.0.0.99", message: "Use the BFG!", pri: 13)),
        ("Mar  1 00:00:02 h [bracketed] text", Header(host: "h", message: "[bracketed] text")),
        // No host: the first word is the tag (as /dev/log writes it).
        ("<13>Mar  1 00:00:02 sshd[99]: no host", Header(app: "sshd", pid: "99", message: "no host", pri: 13)),
        ("Mar  1 00:00:02 kernel: no host", Header(app: "kernel", message: "no host")),
        // Only part of the header.
        ("<14>Aug 30 23:00:05 X4711", Header(host: "X4711", pri: 14)),
        ("<14>Aug 30 23:00:05 ", Header(pri: 14)),
        ("<14>Aug 30 23:00:05", Header(pri: 14)),
        // A PRI without timestamp: everything after it is the message (RFC 3164 §4.3.3).
        ("<13>just text", Header(message: "just text", pri: 13)),
        (
            "<0>Oct 22 10:52:01 10.1.2.3 sched[0]: That's All Folks!",
            Header(host: "10.1.2.3", app: "sched", pid: "0", message: "That's All Folks!", pri: 0)
        ),
        // Variations rsyslog accepts.
        ("<38> Mar  7 19:06:53 example tag: m", Header(host: "example", app: "tag", message: "m", pri: 38)),
        ("<38>Mar 7 19:06:53 example tag: m", Header(host: "example", app: "tag", message: "m", pri: 38)),
        ("<38>Mar 7 19:06:53: example tag: m", Header(host: "example", app: "tag", message: "m", pri: 38)),
        ("<6>AUG 10 22:18:24 host tag: m", Header(host: "host", app: "tag", message: "m", pri: 6)),
        ("Jul  7 08:06:15 combo  --  spaced", Header(host: "combo", message: "--  spaced")),
        ("2024-03-01T00:00:01.123456+01:00 web-01 sshd[9]: m", Header(host: "web-01", app: "sshd", pid: "9", message: "m")),
    ])
    func headers(line: String, expected: Header) {
        #expect(Self.header(line) == expected)
    }

    /// A tag ending in a part in parentheses (old PAM's `sshd(pam_unix)`) names the program before it:
    /// that is the app, and the whole tag is the field `syslog_tag`. Other tags add no field.
    @Test(
        arguments: [
            (
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;", "sshd", "19939", "sshd(pam_unix)",
                "authentication failure;"
            ),
            (
                "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)", "su", "21416", "su(pam_unix)",
                "session opened for user cyrus by (uid=0)"
            ),
            (
                "Nov  9 12:01:01 dn228 crond(pam_unix)[2915]: session closed for user root", "crond", "2915", "crond(pam_unix)",
                "session closed for user root"
            ),
            (
                "Mar  1 04:02:01 h run-parts(/etc/cron.daily)[2301]: finished logrotate", "run-parts", "2301", "run-parts(/etc/cron.daily)",
                "finished logrotate"
            ),
            ("Mar  1 04:02:01 h app(x): no pid", "app", nil, "app(x)", "no pid"),
            ("Mar  1 00:00:01 web-01 sshd[1234]: Failed password for root", "sshd", "1234", nil, "Failed password for root"),
            // Not a program and a part: nothing before the parenthesis, nothing in it, or text after it.
            ("Mar  1 04:02:01 h (pam_unix)[7]: m", "(pam_unix)", "7", nil, "m"),
            ("Mar  1 04:02:01 h app()[7]: m", "app()", "7", nil, "m"),
            ("Mar  1 04:02:01 h a(b)c[7]: m", "a(b)c", "7", nil, "m"),
            ("Mar  1 04:02:01 h a)[7]: m", "a)", "7", nil, "m"),
        ] as [(String, String, String?, String?, String)])
    func tagWithPartInParentheses(line: String, app: String, pid: String?, tag: String?, message: String) {
        let (batch, event) = parseOne(line)
        #expect(batch.string(event.app) == app)
        #expect(batch.string(event.pid) == pid)
        #expect(batch.string(event.message) == message)
        #expect(batch.values("syslog_tag", of: event) == (tag.map { [$0] } ?? []))
        #expect(batch.fieldPairs(of: event).count == (tag == nil ? 0 : 1))
    }

    @Test func forcedRFC3164TakesAnyTextAsMessage() {
        #expect(Self.header("hello world", options: ParserOptions(format: .forced(.rfc3164))) == Header(message: "hello world"))
    }

    @Test func timesAreSetOnlyWhenWritten() {
        let (_, with) = parseOne("Mar  1 00:00:01 h a: m")
        #expect(with.hasOwnTime && with.timePrecision == 0)
        let (_, without) = parseOne("<13>no stamp")
        #expect(!without.hasOwnTime && without.time == testReceiveTime)
    }
}
