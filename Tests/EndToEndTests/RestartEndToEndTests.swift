import Foundation
import Testing
import VigilTestSupport

/// Issue 12, "Restarts keep correlation state": before, SIGTERM decided every open window as if the
/// input had ended, and a restart started from nothing, so a brute force split by a restart went
/// unseen.
@Suite("restarts keep correlation state", .serialized)
struct RestartEndToEndTests {
    static let bruteForce = "rules/sigma/correlation/mr_ssh_bruteforce.yml"

    static func failure(_ second: Int, from source: String = "198.51.100.51") -> String {
        String(
            format: "Mar  1 10:%02d:%02d bastion sshd[%d]: Failed password for root from %@ port %d ssh2", second / 60, second % 60,
            4100 + second, source, 40000 + second)
    }

    /// A detection rule that alerts on its own: its alert shows that the lines before it were read.
    static let marker = """
        title: restart test marker
        id: 5f0c9d1e-7a43-4e8b-9b6d-2c1f0e8a7d35
        name: restart_test_marker
        logsource:
            product: linux
            service: sshd
        detection:
            selection:
                msg|contains: restart-test-marker
            condition: selection
        level: low

        """

    static func markerLine(_ second: Int) -> String {
        String(format: "Mar  1 10:%02d:%02d bastion sshd[4000]: restart-test-marker", second / 60, second % 60)
    }

    /// A folder with the marker rule and a state directory, removed by the caller.
    static func workspace() throws -> (folder: URL, marker: String, state: String) {
        let folder = try temporaryDirectory()
        let marker = folder.appendingPathComponent("marker.yml").path
        try Self.marker.write(toFile: marker, atomically: true, encoding: .utf8)
        return (folder, marker, folder.appendingPathComponent("state").path)
    }

    /// Writes `lines` to a running vigil's standard input.
    static func send(_ lines: [String], to pipe: Pipe) {
        pipe.fileHandleForWriting.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// The alert objects in `path` once `done` holds for them (up to 20 s).
    static func alerts(in path: String, until done: ([[String: Any]]) -> Bool = { _ in true }) -> [[String: Any]] {
        var objects: [[String: Any]] = []
        for _ in 0..<400 {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            // A line being written may be incomplete: only whole lines count.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            if !text.hasSuffix("\n") && !lines.isEmpty { lines.removeLast() }
            objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            if done(objects) { return objects }
            usleep(50_000)
        }
        return objects
    }

    /// Starts `vigil run` over a stdin pipe: the brute-force rule, the marker, `extra` arguments.
    static func start(rules: [String], state: String, output: String, extra: [String] = []) throws -> (RunningVigil, Pipe) {
        let input = Pipe()
        var arguments = ["run", "--state-dir", state, "--log-level", "info"]
        for rule in rules { arguments += ["--rules", rule] }
        let vigil = try RunningVigil(arguments + extra, stdin: input, stdout: output)
        return (vigil, input)
    }

    /// Three failures, then the marker; waits until the marker's alert is out (so the failures were
    /// read), then SIGTERM. Returns the first run's stderr.
    static func firstRun(rules: [String], state: String, output: String, extra: [String] = []) throws -> String {
        let (vigil, input) = try start(rules: rules, state: state, output: output, extra: extra)
        send([failure(1), failure(2), failure(3), markerLine(3)], to: input)
        let seen = alerts(in: output) { $0.contains { ruleName($0) == "restart_test_marker" } }
        #expect(seen.contains { ruleName($0) == "restart_test_marker" }, "\(vigil.stderr)")
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        try? input.fileHandleForWriting.close()
        return vigil.stderr
    }

    static func opened(_ alerts: [[String: Any]]) -> [[String: Any]] {
        alerts.filter { ruleName($0) == "ssh_bruteforce" && ($0["episode"] as? [String: Any])?["state"] as? String == "opened" }
    }

    @Test(
        "3 failures, SIGTERM, a restart with 3 more within the minute: the brute-force alert fires once",
        arguments: [("2", "2"), ("2", "1"), ("1", "2")])
    func bruteForceSplitByARestartAlerts(workers: (String, String)) throws {
        let (folder, marker, state) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = [Self.bruteForce, marker]
        let first = folder.appendingPathComponent("first.jsonl").path
        let firstLog = try Self.firstRun(rules: rules, state: state, output: first, extra: ["--workers", workers.0])
        #expect(firstLog.contains("correlation state kept in \(state)/correlation-state"), "\(firstLog)")
        #expect(FileManager.default.fileExists(atPath: state + "/correlation-state"))
        #expect(Self.opened(Self.alerts(in: first)).isEmpty, "three failures are not a brute force")

        let second = folder.appendingPathComponent("second.jsonl").path
        let (vigil, input) = try Self.start(rules: rules, state: state, output: second, extra: ["--workers", workers.1])
        Self.send([Self.failure(10), Self.failure(11), Self.failure(12)], to: input)
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("continuing from the correlation state in \(state)/correlation-state: 1 rule,"), "\(vigil.stderr)")
        let fired = Self.opened(Self.alerts(in: first) + Self.alerts(in: second))
        #expect(fired.count == 1, "\(vigil.stderr)")
        let alert = try #require(fired.first)
        #expect(groupValue(alert) == "198.51.100.51")
        // The window's evidence holds the failures of both runs (those of the first, kept as state).
        let events = (alert["events"] as? [[String: Any]] ?? []).compactMap { $0["msg"] as? String }
        #expect(events.count == 5, "\(events)")
        #expect(events.first?.hasSuffix("port 40001 ssh2") == true, "\(events)")
        // Read once: the state is gone, and the second run ended by itself, deciding everything.
        #expect(!FileManager.default.fileExists(atPath: state + "/correlation-state"))
    }

    @Test("a rule changed between the runs starts empty, and the log says so")
    func changedRuleStartsEmpty() throws {
        let (folder, marker, state) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rule = folder.appendingPathComponent("bruteforce.yml").path
        let original = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent(Self.bruteForce), encoding: .utf8)
        try original.write(toFile: rule, atomically: true, encoding: .utf8)
        let first = folder.appendingPathComponent("first.jsonl").path
        _ = try Self.firstRun(rules: [rule, marker], state: state, output: first)
        // Ten minutes instead of one: the three failures kept no longer mean what the rule now counts.
        try original.replacingOccurrences(of: "timespan: 60s", with: "timespan: 10m").write(toFile: rule, atomically: true, encoding: .utf8)
        let second = folder.appendingPathComponent("second.jsonl").path
        let (vigil, input) = try Self.start(rules: [rule, marker], state: state, output: second)
        Self.send([Self.failure(10), Self.failure(11), Self.failure(12)], to: input)
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        #expect(
            vigil.stderr.contains("correlation rule 'ssh_bruteforce' changed since its state was saved: it starts empty"), "\(vigil.stderr)"
        )
        #expect(Self.opened(Self.alerts(in: second)).isEmpty, "only three failures since the rule changed")
    }

    @Test("a truncated or corrupt state file is reported and set aside; the run goes on from nothing", arguments: ["truncated", "garbage"])
    func unreadableStateIsIgnored(damage: String) throws {
        let (folder, marker, state) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = state + "/correlation-state"
        if damage == "truncated" {
            _ = try Self.firstRun(
                rules: [Self.bruteForce, marker], state: state, output: folder.appendingPathComponent("first.jsonl").path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        } else {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            var random = SplitMix64(seed: 99)
            try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) }).write(to: URL(fileURLWithPath: path))
        }
        let second = folder.appendingPathComponent("second.jsonl").path
        let (vigil, input) = try Self.start(rules: [Self.bruteForce, marker], state: state, output: second)
        Self.send((10..<16).map { Self.failure($0) }, to: input)
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("\(path): unreadable correlation state"), "\(vigil.stderr)")
        #expect(vigil.stderr.contains("kept as \(path).unreadable"), "\(vigil.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
        // Correlation works as on a first start: six failures of this run alert.
        #expect(Self.opened(Self.alerts(in: second)).count == 1, "\(vigil.stderr)")
    }
}
