import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilIngest
import VigilTestSupport

/// vigil's own rules (rules/sigma/vigil) fire on the auth.log lines they are written for, parsed by
/// vigil's RFC 3164 parser and routed by rules/logsources.yml, and stay quiet on ordinary lines.
struct ShippedRulesTests {
    static let ruleSet: SigmaRuleSet = {
        let path = TestPaths.packageRoot.appendingPathComponent("rules/sigma").path
        return SigmaTesting.compile(paths: [path], configuration: SigmaTesting.configuration).0
    }()

    static let cases: [(line: String, rule: String?)] = [
        ("Mar  1 10:00:00 web-01 sshd[100]: Accepted publickey for root from 192.0.2.10 port 50000 ssh2", "lnx_sshd_root_login_accepted"),
        (
            "Mar  1 10:00:01 web-01 sshd[101]: Invalid user oracle from 192.0.2.11 port 50001",
            "lnx_sshd_invalid_user"
        ),
        (
            "Mar  1 10:00:02 web-01 sshd[102]: Disconnecting authenticating user root 192.0.2.12 port 50002: Too many authentication failures [preauth]",
            "lnx_sshd_max_auth_failures"
        ),
        // The same connection's other lines: one alert per connection (the disconnect above).
        (
            "Mar  1 10:00:02 web-01 sshd[102]: error: maximum authentication attempts exceeded for root from 192.0.2.12 port 50002 ssh2 [preauth]",
            nil
        ),
        (
            "Mar  1 10:00:02 web-01 sshd[102]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.12  user=root",
            nil
        ),
        // No address in it: ssh_max_auth_attempts reports it with the failure that has one.
        ("Mar  1 10:00:02 web-01 sshd[103]: Disconnecting: Too many authentication failures [preauth]", nil),
        ("Mar  1 10:00:03 web-01 sshd[103]: Did not receive identification string from 192.0.2.13 port 50003", "lnx_sshd_preauth_scanner"),
        (
            "Mar  1 10:00:04 web-01 sudo[104]:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
            "lnx_sudo_incorrect_password"
        ),
        ("Mar  1 10:00:05 web-01 sudo[105]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash", "lnx_sudo_root_shell"),
        (
            "Mar  1 10:00:05 web-01 sudo[105]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/su -",
            "lnx_sudo_root_shell"
        ),
        // Ansible's become runs one command through sh; a refused sudo started no shell.
        (
            "Mar  1 10:00:05 web-01 sudo:   ansible : PWD=/home/ansible ; USER=root ; COMMAND=/bin/sh -c echo BECOME-SUCCESS-abc ; /usr/bin/python3",
            nil
        ),
        (
            "Mar  1 10:00:05 web-01 sudo:  mallory : 3 incorrect password attempts ; TTY=pts/3 ; PWD=/home/mallory ; USER=root ; COMMAND=/bin/bash",
            "lnx_sudo_incorrect_password"
        ),
        (
            "Mar  1 10:00:06 web-01 useradd[106]: new user: name=backdoor, UID=1005, GID=1005, home=/home/backdoor, shell=/bin/bash",
            "lnx_auth_user_account_created"
        ),
        ("Mar  1 10:00:07 web-01 usermod[107]: add 'backdoor' to group 'sudo'", "lnx_auth_user_added_to_admin_group"),
        (
            "Mar  1 10:00:08 mail-01 postfix/smtpd[108]: warning: unknown[192.0.2.14]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
            "lnx_postfix_sasl_auth_failed"
        ),
        (
            "Mar  1 10:00:09 web-01 kernel: [12.3] [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.15 DST=203.0.113.10 PROTO=TCP SPT=4444 DPT=3389 WINDOW=1024",
            "lnx_ufw_block_remote_admin_port"
        ),
        ("Mar  1 10:00:10 web-01 sshd[110]: Accepted publickey for alice from 192.0.2.16 port 50010 ssh2", nil),
        ("Mar  1 10:00:11 web-01 sudo[111]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update", nil),
        ("Mar  1 10:00:12 web-01 CRON[112]: (root) CMD (/usr/local/bin/backup.sh >/dev/null 2>&1)", nil),
        (
            "Mar  1 10:00:13 web-01 kernel: [12.4] [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.17 DST=203.0.113.10 PROTO=TCP SPT=4444 DPT=8080 WINDOW=1024",
            nil
        ),
    ]

    /// Every Linux rule of rules/sigma/vigil has a case here, and every case names a loaded rule (some
    /// are base rules of correlations, in rules/sigma/correlation, whose detections feed them only;
    /// the correlations themselves are exercised in VigilPipelineTests and the end-to-end tests).
    @Test func everyVigilRuleIsExercised() {
        let vigilRules = Set(
            Self.ruleSet.rules.filter { $0.file.contains("/rules/sigma/vigil/") && $0.logsource.product == "linux" }.compactMap(\.name))
        #expect(vigilRules.count >= 6)
        let cased = Set(Self.cases.compactMap(\.rule))
        #expect(vigilRules.isSubset(of: cased))
        let loaded = Set(Self.ruleSet.rules.compactMap(\.name))
        #expect(cased.isSubset(of: loaded), "\(cased.subtracting(loaded))")
    }

    @Test(arguments: cases.indices)
    func firesOnItsLine(_ index: Int) {
        let (line, expected) = Self.cases[index]
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        let raw = RawBatch(
            source: SourceID(0), firstSequence: 0, receiveTime: Timestamp(seconds: 1_709_287_200), bytes: bytes,
            messages: [ByteRange(start: 0, end: bytes.count - 1)])
        var parser = BatchParser()
        let batch = parser.parse(raw)
        #expect(batch.events[0].format == .rfc3164)
        let fired = SigmaTesting.matches(Self.ruleSet, batch)[0].compactMap { Self.ruleSet.rule($0).name }.filter {
            $0.hasPrefix("lnx_") && !$0.contains("-")
        }
        #expect(fired == (expected.map { [$0] } ?? []), "\(line)")
    }
}
