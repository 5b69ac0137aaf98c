import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent
import VigilTestSupport

/// The correlation rules shipped in rules/sigma/correlation: they compile, ask the detect stage for the
/// decoders' field names, and fire (or not) on real and synthetic logs parsed, decoded and detected by
/// the real stages.
@Suite struct ShippedCorrelationRulesTests {
    static func standIn() -> RealFrontEnd { RealFrontEnd.shipped() }

    static func rule(_ name: String, in ruleSet: CorrelationRuleSet) -> CorrelationRule {
        ruleSet.rules.first { $0.name == name }!
    }

    @Test func compileWithoutDiagnosticsAndRequestDecoderFields() throws {
        let standIn = try RealFrontEnd()
        #expect(standIn.rules.skipped.isEmpty)
        let names = Set(standIn.ruleSet.rules.compactMap(\.name))
        #expect(
            names == [
                "ssh_bruteforce", "ssh_password_spraying", "ssh_bruteforce_success", "ufw_port_scan", "sudo_repeated_failures",
                "web_scanning", "host_silent", "ssh_max_auth_attempts", "ssh_bruteforce_before_login", "ssh_bruteforce_legacy_pam",
                "ssh_login_after_probe", "smtp_auth_bruteforce",
            ])
        let expected: [String: [String]] = [
            "ssh_failed_password": ["src_ip", "user"], "ssh_accepted_login": ["src_ip"], "ufw_block": ["src_ip", "dst_port"],
            "sudo_failure": ["user"], "web_not_found": ["c-ip"], "host_cron_session": ["host"],
            "lnx_sshd_invalid_user": ["src_ip", "user"],
            "ssh_legacy_pam_failure_by_address": ["src_ip"], "ssh_legacy_pam_failure_by_name": ["src_host"],
            "lnx_ufw_block_remote_admin_port": ["src_ip"], "lnx_postfix_sasl_auth_failed": ["src_ip"],
            "sshd_failure_with_source": ["host", "pid"],
        ]
        for (name, fields) in expected {
            let id = standIn.resolve(name)!
            #expect(Set(standIn.ruleSet.requiredFields(for: id).map(\.name)) == Set(fields), "\(name)")
        }
        let suppressed = Set(standIn.ruleSet.suppressedDetectionRules)
        for name in [
            "ssh_failed_password", "ufw_block", "sudo_failure", "web_not_found", "host_cron_session", "lnx_sshd_invalid_user",
            "lnx_sshd_preauth_scanner", "lnx_ufw_block_remote_admin_port", "lnx_postfix_sasl_auth_failed",
        ] {
            #expect(suppressed.contains(standIn.resolve(name)!), "\(name) feeds correlations only")
        }
        // An accepted login alerts only as the end of the brute-force chain; ssh_bruteforce alerts on
        // its own, and the chain's copy of it does not.
        #expect(suppressed.contains(standIn.resolve("ssh_accepted_login")!))
        #expect(Self.rule("ssh_bruteforce", in: standIn.ruleSet).emitsAlerts)
        #expect(!Self.rule("ssh_bruteforce_before_login", in: standIn.ruleSet).emitsAlerts)
        #expect(standIn.ruleSet.rules.allSatisfy { !$0.generate }, "generate: true makes the rules a correlation reads alert")
    }

    /// The chain's brute-force link counts exactly as ssh_bruteforce does.
    @Test func chainedBruteForceCountsAsTheStandaloneOne() throws {
        let ruleSet = Self.standIn().ruleSet
        let standalone = Self.rule("ssh_bruteforce", in: ruleSet)
        let link = Self.rule("ssh_bruteforce_before_login", in: ruleSet)
        #expect(link.type == standalone.type)
        #expect(link.timespan == standalone.timespan)
        #expect(link.groupBy == standalone.groupBy)
        #expect(link.sources.map(\.target) == standalone.sources.map(\.target))
        #expect("\(link.condition)" == "\(standalone.condition)")
        #expect(link.level == standalone.level)
    }

    @Test(arguments: CorrelationOptions.Emit.allCases)
    func bruteForceFiresOnOpenSSH2k(emit: CorrelationOptions.Emit) throws {
        let lines = try String(contentsOf: TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.count == 2000)
        let standIn = Self.standIn()
        let (alerts, stats) = standIn.run(lines, options: CorrelationOptions(emit: emit))
        let bruteForce = Set(alerts.filter { $0.rule.title == "SSH brute force" }.compactMap { $0.group.first?.value })
        #expect(bruteForce.contains("183.62.140.253"))
        #expect(bruteForce.contains("187.141.143.180"))
        #expect(stats.late == 0)
        // The only accepted password (fztu from 119.137.62.142) follows no brute force from its address.
        #expect(!alerts.contains { $0.rule.title == "SSH brute force followed by a successful login" })
    }

    @Test func episodesOpenOnceAndCloseWithTotals() throws {
        let lines = try String(contentsOf: TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        let (alerts, _) = Self.standIn().run(lines, options: CorrelationOptions(emit: .episodes))
        let episodes = alerts.filter { $0.rule.title == "SSH brute force" && $0.group.first?.value == "183.62.140.253" }
        let opened = episodes.filter { $0.episode?.state == .opened }
        let closed = episodes.filter { $0.episode?.state == .closed }
        #expect(!opened.isEmpty)
        #expect(opened.count == closed.count)
        for (open, close) in zip(opened, closed) {
            #expect(open.episode!.id == close.episode!.id)
            #expect(close.episode!.windows >= 1)
            #expect(close.episode!.events >= open.episode!.events)
            #expect(close.time >= open.time)
            #expect(!open.events.isEmpty && open.events.count <= 10)
        }
        // With every window reported, the same address yields far more alerts.
        let (all, _) = Self.standIn().run(lines, options: CorrelationOptions(emit: .all))
        #expect(all.filter { $0.rule.title == "SSH brute force" && $0.group.first?.value == "183.62.140.253" }.count > episodes.count)
    }

    /// A shipped rule set alerts on no informational rule: each one only feeds correlations.
    @Test func noInformationalRuleAlertsOnItsOwn() throws {
        let everyRule = try RealFrontEnd(rulePaths: ["rules/sigma"])
        let suppressed = Set(everyRule.ruleSet.suppressedDetectionRules)
        let informational = everyRule.rules.detection.rules.filter { $0.level == "informational" }
        #expect(informational.count >= 6)
        for rule in informational {
            #expect(suppressed.contains(rule.ruleID), "\(rule.alertIdentifier) (\(rule.file)) alerts on its own")
        }
        for rule in everyRule.ruleSet.rules where rule.level == "informational" {
            #expect(!rule.emitsAlerts, "\(rule.name ?? rule.title) alerts on its own")
        }
    }

    /// Accepted logins with no brute force before them raise nothing: not the administrator's own
    /// logins, not a root login (that is lnx_sshd_root_login_accepted's, outside these rules).
    @Test func acceptedLoginsAloneRaiseNothing() {
        let logins = (0..<5).map { i in
            "Mar  1 08:0\(i):00 bastion-01 sshd[90\(i)]: Accepted publickey for admin from 10.20.1.\(i) port 5100\(i) ssh2: ED25519 SHA256:k\(i)"
        }
        let (alerts, _) = Self.standIn().run(logins, options: CorrelationOptions(emit: .all))
        #expect(alerts.isEmpty)
    }

    @Test func bruteForceThenSuccess() {
        let failures = (0..<6).map { i in
            "Mar  1 10:00:0\(i) bastion-01 sshd[100\(i)]: Failed password for root from 198.51.100.9 port 5000\(i) ssh2"
        }
        let success = "Mar  1 10:03:00 bastion-01 sshd[2000]: Accepted password for root from 198.51.100.9 port 50100 ssh2"
        let other = "Mar  1 10:04:00 bastion-01 sshd[2001]: Accepted password for alice from 192.0.2.44 port 50101 ssh2"
        let late = "Mar  1 10:20:00 bastion-01 sshd[2002]: Accepted password for root from 198.51.100.9 port 50102 ssh2"
        let (alerts, _) = Self.standIn().run(failures + [success, other, late], options: CorrelationOptions(emit: .all))
        let hits = alerts.filter { $0.rule.title == "SSH brute force followed by a successful login" }
        #expect(hits.count == 1)
        #expect(hits.first?.group.first?.value == "198.51.100.9")
        #expect(hits.first?.rule.level == "critical")
        #expect(hits.first?.windowEnd == Self.standIn().time(of: success))
    }

    /// OpenSSH 7.x's "Disconnecting: Too many authentication failures [preauth]" names no address: the
    /// failure logged just before by the same sshd process (host and pid) does, and the alert carries
    /// it. The same pid on another host, a pid whose failure is too old, and a disconnect with no
    /// earlier failure tie nothing.
    @Test func maxAuthAttemptsDisconnectIsTiedToItsSourceByPid() throws {
        let lines = [
            "Mar  1 10:00:00 web-01 sshd[700]: Failed password for root from 198.51.100.70 port 50000 ssh2",
            "Mar  1 10:00:04 web-01 sshd[700]: error: maximum authentication attempts exceeded for root from 198.51.100.70 port 50000 ssh2 [preauth]",
            "Mar  1 10:00:04 web-01 sshd[700]: Disconnecting: Too many authentication failures [preauth]",
            "Mar  1 10:01:00 web-02 sshd[700]: Disconnecting: Too many authentication failures [preauth]",
            "Mar  1 10:02:00 web-01 sshd[800]: Failed password for admin from 198.51.100.80 port 50001 ssh2",
            "Mar  1 10:08:00 web-01 sshd[800]: Disconnecting: Too many authentication failures for admin [preauth]",
            "Mar  1 10:09:00 web-01 sshd[900]: Disconnecting: Too many authentication failures [preauth]",
        ]
        let (alerts, _) = Self.standIn().run(lines, options: CorrelationOptions(emit: .episodes))
        let opened = alerts.filter { $0.rule.name == "ssh_max_auth_attempts" && $0.episode?.state == .opened }
        #expect(opened.map { $0.group.map(\.value) } == [["web-01", "700"]])
        let evidence = opened.first?.events ?? []
        #expect(evidence.count == 2)
        #expect(evidence.contains { $0.contains(#""src_ip":"198.51.100.70""#) && $0.contains("maximum authentication attempts") })
        #expect(evidence.contains { $0.contains("Disconnecting: Too many authentication failures [preauth]") })
        // The disconnect is reported once, with its source: the per-line rule leaves it out.
        let everyRule = try RealFrontEnd(rulePaths: ["rules/sigma"])
        let detections = everyRule.detections(lines, onlyCorrelationInputs: false).flatMap(\.detections)
        let perLine = try #require(everyRule.resolve("lnx_sshd_max_auth_failures"))
        #expect(!detections.contains { $0.rule == perLine })
    }

    /// loghub Linux_2k (issue 11): its 489 sshd authentication failures are old-PAM lines
    /// (`sshd(pam_unix)[PID]:`). They reach the sshd logsource as program sshd, and a tier-1 analyst
    /// expects a brute-force alert for each burst: 150.183.249.110 (80 failures in a few minutes),
    /// the busy rhosts given by name as well as by address, and nothing for a host with a single
    /// failure. Nothing else fires on the file.
    @Test func linux2kBruteForceThroughOldPAMLines() throws {
        let lines = try String(contentsOf: TestPaths.shared("loghub/Linux/Linux_2k.log"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.count == 2000)
        let everyRule = try RealFrontEnd(rulePaths: ["rules/sigma"])
        let detections = everyRule.detections(lines, onlyCorrelationInputs: false).flatMap(\.detections)
        // Every sshd failure with an rhost is read as sshd's: the legacy brute-force rule's inputs.
        let byAddress = try #require(everyRule.resolve("ssh_legacy_pam_failure_by_address"))
        let byName = try #require(everyRule.resolve("ssh_legacy_pam_failure_by_name"))
        #expect(detections.filter { $0.rule == byAddress || $0.rule == byName }.count == 489)
        let (alerts, stats) = everyRule.run(lines, options: CorrelationOptions(emit: .episodes))
        #expect(stats.late == 0)
        let opened = alerts.filter { $0.episode?.state == .opened }
        #expect(Set(opened.map { $0.rule.name ?? "" }) == ["ssh_bruteforce_legacy_pam"])
        let sources = Set(opened.compactMap { $0.group.first?.value })
        for source in ["150.183.249.110", "n219076184117.netvigator.com", "207.243.167.114", "60.30.224.116"] {
            #expect(sources.contains(source), "\(source)")
        }
        // Hosts with one or two failures: no brute force.
        for source in ["200.60.37.201", "85.44.47.166", "193.110.106.11"] { #expect(!sources.contains(source), "\(source)") }
        #expect(opened.allSatisfy { $0.rule.level == "high" && $0.group.first?.name == "rhost" })
        // Detections alert on no single line of the file.
        let alerting = detections.filter { !everyRule.ruleSet.suppressedDetectionRules.contains($0.rule) }
        #expect(alerting.isEmpty, "\(alerting.map(\.rule))")
    }

    /// Invalid-user attempts count toward spraying (with or without a password), each account once.
    @Test func sprayingCountsNonexistentAccounts() {
        let probes = ["oracle", "postgres", "git", "ubuntu"].enumerated().map { i, user in
            "Mar  1 11:0\(i):00 web-01 sshd[40\(i)]: Invalid user \(user) from 203.0.113.201 port 4100\(i)"
        }
        let failure = "Mar  1 11:05:00 web-01 sshd[405]: Failed password for root from 203.0.113.201 port 41005 ssh2"
        let (alerts, _) = Self.standIn().run(probes + [failure], options: CorrelationOptions(emit: .all))
        #expect(alerts.filter { $0.rule.title == "SSH password spraying" }.map(\.metric?.value) == [5])
        let (fewer, _) = Self.standIn().run(
            probes + probes.map { $0.replacingOccurrences(of: ":00 web-01", with: ":30 web-01") }, options: CorrelationOptions(emit: .all))
        #expect(fewer.isEmpty)
    }

    /// A login from an address the firewall blocked on a remote administration port (or that probed
    /// SSH without speaking it) within the hour before; probes alone and logins alone raise nothing.
    @Test func loginAfterProbe() {
        func block(_ time: String, from source: String, port: Int) -> String {
            "Mar  1 \(time) web-02 kernel: [123.456] [UFW BLOCK] IN=eth0 OUT= MAC=00 SRC=\(source) DST=203.0.113.11 LEN=40 PROTO=TCP SPT=4444 DPT=\(port) WINDOW=1024 RES=0x00 SYN URGP=0"
        }
        let lines = [
            block("12:00:00", from: "192.0.2.70", port: 3389),
            "Mar  1 12:05:00 web-02 sshd[10]: Did not receive identification string from 192.0.2.71 port 50000",
            block("12:06:00", from: "192.0.2.72", port: 445),
            "Mar  1 12:30:00 web-02 sshd[11]: Accepted password for deploy from 192.0.2.70 port 50001 ssh2",
            "Mar  1 12:31:00 web-02 sshd[12]: Accepted publickey for alice from 192.0.2.71 port 50002 ssh2: ED25519 SHA256:x",
            "Mar  1 12:32:00 web-02 sshd[13]: Accepted publickey for bob from 192.0.2.73 port 50003 ssh2: ED25519 SHA256:y",
            "Mar  1 14:00:00 web-02 sshd[14]: Accepted publickey for carol from 192.0.2.72 port 50004 ssh2: ED25519 SHA256:z",
        ]
        let (alerts, _) = Self.standIn().run(lines, options: CorrelationOptions(emit: .episodes))
        let opened = alerts.filter { $0.episode?.state == .opened }
        #expect(opened.map(\.rule.name) == ["ssh_login_after_probe", "ssh_login_after_probe"])
        #expect(opened.compactMap { $0.group.first?.value } == ["192.0.2.70", "192.0.2.71"])
    }

    @Test func smtpAuthBruteForcePerClient() {
        let lines =
            (0..<6).map { i in
                "Mar  1 13:0\(i):00 mail-01 postfix/smtpd[70\(i)]: warning: unknown[198.51.100.90]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
            }
            + (0..<6).map { i in
                "Mar  1 13:0\(i):30 mail-01 postfix/smtpd[80\(i)]: warning: unknown[198.51.100.\(100 + i)]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
            }
        let (alerts, _) = Self.standIn().run(lines.sorted(), options: CorrelationOptions(emit: .episodes))
        let opened = alerts.filter { $0.episode?.state == .opened }
        #expect(opened.map(\.rule.name) == ["smtp_auth_bruteforce"])
        #expect(opened.first?.group.first?.value == "198.51.100.90")
    }

    @Test func passwordSprayingCountsDistinctUsers() {
        let users = ["admin", "oracle", "postgres", "test", "Admin", "git"]
        let spray = users.enumerated().map { i, user in
            "Mar  1 11:0\(i):00 web-01 sshd[30\(i)]: Failed password for invalid user \(user) from 203.0.113.200 port 4000\(i) ssh2"
        }
        let (alerts, _) = Self.standIn().run(spray, options: CorrelationOptions(emit: .all))
        let hits = alerts.filter { $0.rule.title == "SSH password spraying" }
        // "Admin" and "admin" are one user (case-insensitive, as Sigma compares values): five distinct
        // users are reached at the sixth line only.
        #expect(hits.map(\.metric?.value) == [5])
    }

    @Test func portScanNeedsTenDistinctPorts() {
        func block(_ second: Int, _ port: Int, from source: String) -> String {
            "Mar  1 12:00:\(String(format: "%02d", second)) web-02 kernel: [123.456] [UFW BLOCK] IN=eth0 OUT= MAC=00 SRC=\(source) DST=203.0.113.11 LEN=40 PROTO=TCP SPT=4444 DPT=\(port) WINDOW=1024 RES=0x00 SYN URGP=0"
        }
        let scan = (0..<12).map { block($0 * 2, 1000 + $0, from: "192.0.2.66") }
        let noise = (0..<30).map { block($0, [22, 80, 443][$0 % 3], from: "192.0.2.67") }
        let (alerts, _) = Self.standIn().run(scan + noise, options: CorrelationOptions(emit: .episodes))
        let hits = alerts.filter { $0.rule.title == "Port scan blocked by the firewall" && $0.episode?.state == .opened }
        #expect(hits.map { $0.group.first?.value } == ["192.0.2.66"])
        #expect(hits.first?.metric?.value == 10)
    }

    @Test func sudoFailuresPerUser() {
        let lines = [
            "Mar  1 13:00:00 db-01 sudo: pam_unix(sudo:auth): authentication failure; logname=carol uid=1003 euid=0 tty=/dev/pts/0 ruser=carol rhost=  user=carol",
            "Mar  1 13:00:09 db-01 sudo:    carol : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/carol ; USER=root ; COMMAND=/bin/bash",
            "Mar  1 13:01:00 db-01 sudo:    dave : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/ls",
            "Mar  1 13:05:00 db-02 sudo: pam_unix(sudo:auth): authentication failure; logname=carol uid=1003 euid=0 tty=/dev/pts/2 ruser=carol rhost=  user=carol",
            "Mar  1 13:30:00 db-01 sudo:    dave : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/ls",
        ]
        let (alerts, _) = Self.standIn().run(lines, options: CorrelationOptions(emit: .all))
        let hits = alerts.filter { $0.rule.title == "Repeated sudo failures" }
        #expect(hits.map { $0.group.first?.value } == ["carol"])
        #expect(hits.first?.metric?.value == 3)
    }

    @Test func webScanningCounts404sPerClient() {
        let standIn = Self.standIn()
        let rule = standIn.resolve("web_not_found")!
        let base = Timestamp(CivilTime(year: 2024, month: 3, day: 1, hour: 14))
        func detection(_ i: Int, client: String) -> Detection {
            Detection(
                rule: rule, time: base.advanced(by: .seconds(Int64(i * 2))), source: SourceID(2), sequence: UInt64(i),
                values: [(name: Symbol("c-ip"), value: client)], event: "{}")
        }
        let engine = CorrelationEngine(ruleSet: standIn.ruleSet, options: CorrelationOptions(emit: .all))
        engine.ingest((0..<25).map { detection($0, client: "203.0.113.50") } + (0..<19).map { detection(100 + $0, client: "203.0.113.51") })
        let alerts = engine.advance() + engine.finish()
        #expect(Set(alerts.map { $0.group.first?.value }) == ["203.0.113.50"])
        #expect(alerts.map(\.metric?.value) == [20, 21, 22, 23, 24, 25])
    }

    @Test func hostSilenceIsDecidedAfterTheWindow() {
        func cronSession(_ host: String, hour: Int) -> [String] {
            let stamp = "Mar  1 \(hour < 10 ? "0" : "")\(hour):17:01 \(host) CRON[\(1000 + hour)]:"
            return [
                "\(stamp) pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                "\(stamp) (root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
                "\(stamp) pam_unix(cron:session): session closed for user root",
            ]
        }
        // ci-01 runs its hourly jobs from 08:17 to 10:17, then only sshd logs; ci-02 runs them until 13:17.
        var lines = (8...10).flatMap { cronSession("ci-01", hour: $0) } + (8...13).flatMap { cronSession("ci-02", hour: $0) }
        lines.append("Mar  1 12:30:00 ci-01 sshd[77]: Accepted publickey for alice from 192.0.2.10 port 50500 ssh2")
        lines.sort()
        let (alerts, stats) = Self.standIn().run(lines, options: CorrelationOptions(emit: .all))
        let hits = alerts.filter { $0.rule.title == "Host stopped running scheduled jobs" }
        #expect(hits.map { $0.group.first?.value } == ["ci-01"])
        #expect(hits.first?.windowStart?.rfc3339() == "2024-03-01T10:17:01Z")
        #expect(hits.first?.windowEnd?.rfc3339() == "2024-03-01T12:17:01Z")
        // ci-02's last window reaches past the end of the input: not decided, counted.
        #expect(stats.incompleteWindows == 1)
        var options = CorrelationOptions(emit: .all)
        options.decideAbsenceBeyondInput = true
        let (everything, _) = Self.standIn().run(lines, options: options)
        #expect(
            Set(everything.filter { $0.rule.title == "Host stopped running scheduled jobs" }.compactMap { $0.group.first?.value }) == [
                "ci-01", "ci-02",
            ])
    }
}
