import Foundation
import Testing
import VigilTestSupport

/// Tiered alerts on the built binary: the schema, suppression that accounts for every detection,
/// tiers, escalation and replays that give the same alerts.
@Suite("tiered alerts end to end")
struct TieredAlertsEndToEndTests {
    static let samples = [
        "samples/auth.log", "samples/cron.log", "samples/attacks.log", "samples/web.log", "samples/ufw.log", "samples/events.jsonl",
        "samples/rfc5424.log",
    ]

    static func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    static func label(_ alert: [String: Any]) -> String {
        let rule = alert["rule"] as? [String: Any] ?? [:]
        return (rule["name"] as? String) ?? (rule["id"] as? String) ?? "?"
    }

    /// The alerts without `detected_at`, the one member a replay changes.
    static func withoutDetectionTime(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").map { line in
            line.replacingOccurrences(of: #""detected_at":"[^"]*","#, with: "", options: .regularExpression)
        }
    }

    @Test("every alert the shipped rules make on the samples fits docs/alert.schema.json", arguments: ["episodes", "all"])
    func alertsFitTheSchema(emit: String) throws {
        let schema = try JSONSchemaCheck(schemaFile: TestPaths.packageRoot.appendingPathComponent("docs/alert.schema.json"))
        let run = try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--emit", emit] + Self.samples)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count > 50)
        var problems: [String] = []
        for line in lines { problems += schema.problems(ofJSON: line).map { "\($0) in \(line.prefix(200))" } }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        // The check can fail: a member the schema does not know is found.
        #expect(!schema.problems(ofJSON: lines[0].replacingOccurrences(of: #"{"id":"#, with: #"{"group":{},"id":"#)).isEmpty)
        let kinds = Set(try Self.objects(run.stdout).compactMap { $0["kind"] as? String })
        #expect(kinds.isSuperset(of: ["detection", "correlation"]))
    }

    /// Per rule: the closed episodes' counts add up to the detections `--emit all` alerts one by one.
    static func checkAccounting(_ arguments: [String], minimumRatio: Int) throws {
        let folded = try runVigil(["run"] + arguments)
        let each = try runVigil(["run", "--emit", "all"] + arguments)
        #expect(folded.status == 0 && each.status == 0, "\(folded.stderr)\(each.stderr)")
        var detections: [String: Int] = [:]
        for alert in try objects(each.stdout) where alert["kind"] as? String == "detection" { detections[label(alert), default: 0] += 1 }
        var counted: [String: Int] = [:]
        var alerts = 0
        for alert in try objects(folded.stdout) where alert["kind"] as? String == "detection" {
            alerts += 1
            let episode = try #require(alert["episode"] as? [String: Any])
            if episode["state"] as? String == "closed" { counted[label(alert), default: 0] += episode["count"] as? Int ?? 0 }
        }
        #expect(!detections.isEmpty)
        #expect(counted == detections)
        let total = detections.values.reduce(0, +)
        if minimumRatio > 0 { #expect(alerts * minimumRatio <= total, "\(alerts) alerts for \(total) detections") }
        // The summary says the same per rule.
        for (rule, count) in detections {
            // Named by its label; a rule known only by its UUID also by its title ("Title [uuid]").
            #expect(folded.stderr.contains("detection \(rule): ") || folded.stderr.contains("[\(rule)]: "), "\(rule)")
            #expect(folded.stderr.contains("from \(count) detections"), "\(rule): \(count)")
        }
    }

    @Test("gen-authlog: the sum of episode counts equals the detections, per rule")
    func genAuthlogAccounting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tiers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = TestPaths.sharedTools.appendingPathComponent("gen-authlog.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "-n", "60000", "--out", dir.appendingPathComponent("auth").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        // Every shipped rule; the ones that alert on their own here fire seldom, so episodes are mostly
        // single detections (no ratio to check; the 2 M-line benchmark shows it).
        try Self.checkAccounting(["--rules", "rules/sigma", dir.appendingPathComponent("auth.log").path], minimumRatio: 0)
    }

    /// Two alerting rules over sshd failures, one folded per host (the default key), one per source
    /// address (a key set in the tier policy).
    static let sshdRules = """
        title: test sshd failed password
        id: 3c0c2b8e-1a5d-4a77-9a65-4f4a9d0e7a01
        name: test_sshd_failed_password
        logsource: {product: linux, service: sshd}
        detection:
            selection:
                msg|contains: 'Failed password'
            condition: selection
        level: low
        ---
        title: test sshd invalid user
        id: 3c0c2b8e-1a5d-4a77-9a65-4f4a9d0e7a02
        name: test_sshd_invalid_user
        logsource: {product: linux, service: sshd}
        detection:
            selection:
                msg|startswith: 'Invalid user'
            condition: selection
        level: medium

        """

    @Test("loghub OpenSSH_2k: the sum of episode counts equals the detections, per rule, per host and per source address")
    func loghubAccounting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-loghub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.sshdRules.write(to: dir.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let tiers = dir.appendingPathComponent("tiers.yml")
        try "overrides:\n  - name: test_sshd_invalid_user\n    key: [src_ip]\n".write(to: tiers, atomically: true, encoding: .utf8)
        let log = TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log").path
        try Self.checkAccounting(
            ["--rules", dir.appendingPathComponent("rules.yml").path, "--tiers", tiers.path, "--year", "2026", log], minimumRatio: 5)
        // Keyed by source address, the invalid-user episodes name it.
        let run = try runVigil([
            "run", "--rules", dir.appendingPathComponent("rules.yml").path, "--tiers", tiers.path, "--year", "2026", log,
        ])
        let invalid = try Self.objects(run.stdout).filter { Self.label($0) == "test_sshd_invalid_user" }
        #expect(invalid.count > 4)
        #expect(invalid.allSatisfy { ($0["entity"] as? [String: Any])?.keys.sorted() == ["src_ip"] })
        #expect(Set(invalid.compactMap { ($0["entity"] as? [String: Any])?["src_ip"] as? String }).count > 2)
    }

    @Test("a replay of the same file gives the same alerts, detected_at aside, with any workers")
    func replayGivesTheSameAlerts() throws {
        let runs = try [1, 2, 2].map {
            try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--workers", "\($0)"] + Self.samples)
        }
        for run in runs { #expect(run.status == 0, "\(run.stderr)") }
        #expect(Self.withoutDetectionTime(runs[0].stdout).count > 50)
        for run in runs.dropFirst() { #expect(Self.withoutDetectionTime(run.stdout) == Self.withoutDetectionTime(runs[0].stdout)) }
        let ids = try Self.objects(runs[0].stdout).compactMap { $0["id"] as? String }
        #expect(Set(ids).count == ids.count, "ids are unique")
    }

    @Test("--min-tier 2 emits only tiers 2 and 3, and counts the rest")
    func minimumTier() throws {
        let run = try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--min-tier", "2"] + Self.samples)
        #expect(run.status == 0, "\(run.stderr)")
        let tiers = try Self.objects(run.stdout).compactMap { $0["tier"] as? Int }
        #expect(!tiers.isEmpty)
        #expect(tiers.allSatisfy { $0 >= 2 })
        #expect(run.stderr.contains("below --min-tier"))
    }

    @Test("a correlation is at least one tier above the detections it counts; informational rules never alert, even with --emit all")
    func correlationTiersAndInformational() throws {
        let run = try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--emit", "all"] + Self.samples)
        #expect(run.status == 0, "\(run.stderr)")
        let alerts = try Self.objects(run.stdout)
        #expect(
            !alerts.contains {
                ($0["rule"] as? [String: Any])?["level"] as? String == "informational" && $0["kind"] as? String == "detection"
            })
        // ssh_bruteforce (high) counts ssh_failed_password (low: tier 1): tier 2.
        let bruteforce = alerts.filter { Self.label($0) == "ssh_bruteforce" }
        #expect(!bruteforce.isEmpty)
        #expect(bruteforce.allSatisfy { $0["tier"] as? Int == 2 })
    }

    @Test("an episode past the escalation count goes up one tier, once, and says so")
    func escalation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-escalate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tiers = dir.appendingPathComponent("tiers.yml")
        try "escalation:\n  count: 5\n  duration: null\n".write(to: tiers, atomically: true, encoding: .utf8)
        let run = try runVigil(["run", "--rules", "rules/sigma", "--tiers", tiers.path, "--year", "2026", "samples/web.log"])
        #expect(run.status == 0, "\(run.stderr)")
        let alerts = try Self.objects(run.stdout).filter { $0["kind"] as? String == "detection" }
        let escalated = alerts.filter { $0["escalated_from"] != nil }
        #expect(!escalated.isEmpty)
        for alert in escalated {
            let from = try #require(alert["escalated_from"] as? Int)
            #expect(alert["tier"] as? Int == from + 1)
        }
        // Once per episode: one updated alert that escalates, then the closing alert keeps the tier.
        var escalations: [Int: Int] = [:]
        for alert in escalated {
            let episode = try #require(alert["episode"] as? [String: Any])
            if episode["state"] as? String == "updated" { escalations[episode["id"] as? Int ?? 0, default: 0] += 1 }
        }
        #expect(!escalations.isEmpty)
        #expect(escalations.values.allSatisfy { $0 == 1 })
    }

    @Test("a correlation episode past the escalation count says so once with an updated alert, and stays a tier up")
    func correlationEscalation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-escalate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tiers = dir.appendingPathComponent("tiers.yml")
        try "escalation:\n  count: 40\n  duration: null\n".write(to: tiers, atomically: true, encoding: .utf8)
        let run = try runVigil(["run", "--rules", "rules/sigma", "--tiers", tiers.path, "--year", "2026", "samples/web.log"])
        #expect(run.status == 0, "\(run.stderr)")
        let scans = try Self.objects(run.stdout).filter { Self.label($0) == "web_scanning" }
        let states = scans.compactMap { ($0["episode"] as? [String: Any])?["state"] as? String }
        #expect(states == ["opened", "updated", "closed"], "\(states)")
        // web_scanning (medium, counting informational detections): tier 1, escalated to 2 at the crossing.
        #expect(scans.map { $0["tier"] as? Int } == [1, 2, 2])
        #expect(scans.map { $0["escalated_from"] as? Int } == [nil, 1, 1])
        let counts = scans.compactMap { ($0["episode"] as? [String: Any])?["count"] as? Int }
        #expect(counts.count == 3 && counts[0] < 40 && counts[1] >= 40)
        // Without the bound, the same episode stays at its tier.
        let plain = try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "samples/web.log"])
        let unescalated = try Self.objects(plain.stdout).filter { Self.label($0) == "web_scanning" }
        #expect(unescalated.map { $0["tier"] as? Int } == [1, 1])
    }

    @Test("a bad tier policy stops vigil run before any input, with file:line:column")
    func badPolicy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-badtiers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tiers = dir.appendingPathComponent("tiers.yml")
        try "levels:\n  high: 4\noverrides:\n  - tag: a\n    name: b\n    tier: 1\n  - colour: red\n".write(
            to: tiers, atomically: true, encoding: .utf8)
        let run = try runVigil(["run", "--rules", "rules/sigma", "--tiers", tiers.path, "samples/auth.log"])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("\(tiers.path):2:9: a tier is 1, 2, 3 or none, not '4'"), "\(run.stderr)")
        #expect(run.stderr.contains("\(tiers.path):4:5: an override matches by one of id, name or tag"), "\(run.stderr)")
        #expect(run.stderr.contains("\(tiers.path):7:5: unknown key 'colour'"), "\(run.stderr)")
        let check = try runVigil(["check", "--tiers", tiers.path, "rules/sigma"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(tiers.path):2:9"))
    }

    @Test("the shipped tier policy passes vigil check")
    func shippedPolicyChecks() throws {
        let check = try runVigil(["check", "rules/sigma"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stderr.contains("tier policy rules/tiers.yml"))
    }
}

/// Health alerts on a live listener: vigil says when it is blinded.
@Suite("health alerts end to end")
struct HealthAlertsEndToEndTests {
    static func health(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["kind"] as? String == "health" }
    }

    @Test("a message dated in the future and a host that stops sending each raise a tier-1 health alert")
    func futureAndSilentSource() throws {
        let alerts = temporaryPath("alerts.jsonl")
        defer { try? FileManager.default.removeItem(atPath: alerts) }
        let vigil = try RunningVigil([
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--udp", "127.0.0.1:0", "--log-level", "info",
            "--source-silence", "2s", "--alerts", alerts,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)["udp"], "\(vigil.stderr)")
        Sockets.sendDatagrams([Array("<13>1 2200-01-01T00:00:00Z evil app - - - hello".utf8)], port: port)
        var found: Set<String> = []
        for _ in 0..<100 where found != ["future_dated_events", "source_silent"] {
            usleep(100_000)
            found = Set(Self.health(alerts).compactMap { ($0["entity"] as? [String: Any])?["reason"] as? String })
        }
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        #expect(found == ["future_dated_events", "source_silent"], "\(found)")
        let opened = Self.health(alerts).filter { ($0["episode"] as? [String: Any])?["state"] as? String == "opened" }
        #expect(opened.allSatisfy { $0["tier"] as? Int == 1 })
        #expect(opened.allSatisfy { (($0["rule"] as? [String: Any])?["tags"] as? [String]) == ["vigil.health"] })
    }
}
