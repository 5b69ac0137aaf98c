import Foundation
import Synchronization
import Testing
import VigilTestSupport

/// SIGHUP reloads rules, decoders and the logsource mapping without a restart (issue 12, "SIGHUP
/// reloads"): a good set takes over at one batch boundary, a bad one is logged and the running set
/// stays, and correlation state of unchanged correlation rules is kept.
@Suite("reload end to end", .serialized)
struct ReloadEndToEndTests {
    static let failedPassword = """
        title: Failed password seen
        id: 0d9a4c1e-5b7e-4c1a-9f00-000000000001
        name: reload_failed_password
        logsource:
            product: linux
            service: sshd
        detection:
            selection:
                msg|contains: 'Failed password'
            condition: selection
        level: low

        """

    static let portSeen = """
        title: Port seen
        id: 0d9a4c1e-5b7e-4c1a-9f00-000000000002
        name: reload_port_seen
        logsource:
            product: linux
            service: sshd
        detection:
            selection:
                msg|contains: ' port '
            condition: selection
        level: low

        """

    static let acceptedPassword = """
        title: Accepted password seen
        id: 0d9a4c1e-5b7e-4c1a-9f00-000000000003
        name: reload_accepted_password
        logsource:
            product: linux
            service: sshd
        detection:
            selection:
                msg|contains: 'Accepted password'
            condition: selection
        level: low

        """

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    /// Waits up to 20 s for `text` on the process's stderr.
    func waitFor(_ text: String, in vigil: RunningVigil) -> Bool {
        for _ in 0..<400 where vigil.process.isRunning {
            if vigil.stderr.contains(text) { return true }
            usleep(50_000)
        }
        return vigil.stderr.contains(text)
    }

    /// Asks for summaries (SIGUSR1) until one comes: the rules loaded at start and the run is reading,
    /// so a rule file changed from here on is the reload's, not the start's.
    func waitUntilRunning(_ vigil: RunningVigil) -> Bool {
        for _ in 0..<100 where vigil.process.isRunning {
            kill(vigil.process.processIdentifier, SIGUSR1)
            usleep(100_000)
            if vigil.stderr.contains("alerts written:") { return true }
        }
        return false
    }

    /// The detection alerts of `path` (JSON lines): rule name and the port number of the event's message.
    func detections(_ path: String) throws -> [(rule: String, port: Int)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["kind"] as? String == "detection",
                let rule = (object["rule"] as? [String: Any])?["name"] as? String,
                let msg = (object["event"] as? [String: Any])?["msg"] as? String,
                let range = msg.range(of: #"port \d+"#, options: .regularExpression)
            else { return nil }
            return (rule, Int(msg[range].dropFirst(5))!)
        }
    }

    @Test("a good set takes over at one batch boundary of a continuous stream: all lines after it, none before", arguments: [1, 2])
    func switchesAtOneBatchBoundary(workers: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try write(Self.failedPassword, to: directory.appendingPathComponent("failed.yml"))
        let alerts = temporaryPath("alerts"), stats = temporaryPath("stats")
        defer { try? FileManager.default.removeItem(atPath: alerts) }
        let input = Pipe()
        let vigil = try RunningVigil(
            // One alert per detection (--emit all), so every line's alert can be found.
            ["run", "--rules", directory.path, "--workers", "\(workers)", "--emit", "all", "--alerts", alerts, "--stats-json", stats],
            stdin: input)
        // A continuous stream: small writes until told to stop, through the reload.
        let stop = Atomic<Bool>(false), sent = Atomic<Int>(0)
        let writer = Thread {
            var n = 0
            while !stop.load(ordering: .relaxed) {
                var chunk = ""
                for _ in 0..<50 {
                    chunk +=
                        "Mar  1 10:00:\(String(format: "%02d", (n / 1000) % 60)) web-02 sshd[4102]: Failed password for root "
                        + "from 198.51.100.7 port \(n) ssh2\n"
                    n += 1
                }
                input.fileHandleForWriting.write(Data(chunk.utf8))
                sent.store(n, ordering: .relaxed)
                usleep(2_000)
            }
        }
        writer.start()
        #expect(waitUntilRunning(vigil), "\(vigil.stderr)")
        usleep(200_000)
        try write(Self.portSeen, to: directory.appendingPathComponent("port.yml"))
        kill(vigil.process.processIdentifier, SIGHUP)
        #expect(waitFor("SIGHUP: reloaded", in: vigil), "\(vigil.stderr)")
        usleep(400_000)
        stop.store(true, ordering: .relaxed)
        while !writer.isFinished { usleep(10_000) }
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        let total = sent.load(ordering: .relaxed)
        #expect(vigil.stderr.contains("rules: 1 added (reload_port_seen"), "\(vigil.stderr)")

        let found = try detections(alerts)
        let failed = found.filter { $0.rule == "reload_failed_password" }.map(\.port)
        let ports = found.filter { $0.rule == "reload_port_seen" }.map(\.port)
        // The rule that ran throughout saw every line once: nothing lost or duplicated.
        #expect(failed.count == total)
        #expect(Set(failed).count == total)
        // The new rule matched every line from the switch on, and none before.
        let first = ports.min() ?? -1
        #expect(first > 0 && first < total, "switch at \(first) of \(total)")
        #expect(ports.count == total - first && Set(ports) == Set(first..<total), "\(ports.count) of \(total - first)")

        let json = try readStats(stats)
        #expect(integer(json, "events") == total)
        #expect(integer(json, "reloads") == 1)
        #expect(integer(json, "failed_reloads") == 0)
    }

    @Test("a set with errors is logged with file:line:column and the running set stays")
    func badSetKeepsTheRunningOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try write(Self.failedPassword, to: directory.appendingPathComponent("failed.yml"))
        let alerts = temporaryPath("alerts"), stats = temporaryPath("stats")
        defer { try? FileManager.default.removeItem(atPath: alerts) }
        let input = Pipe()
        let vigil = try RunningVigil(
            ["run", "--rules", directory.path, "--emit", "all", "--alerts", alerts, "--stats-json", stats], stdin: input)
        let line = { (n: Int) in "Mar  1 10:00:01 web-02 sshd[4102]: Failed password for root from 198.51.100.7 port \(n) ssh2\n" }
        input.fileHandleForWriting.write(Data((0..<10).map(line).joined().utf8))
        #expect(waitUntilRunning(vigil), "\(vigil.stderr)")
        // The good rule file changes too: none of the new set may take over.
        try write(Self.portSeen, to: directory.appendingPathComponent("port.yml"))
        try write(
            "title: Broken\nlogsource:\n    product: linux\ndetection:\n    selection:\n        msg|nosuchmodifier: x\n    condition: selection\n",
            to: directory.appendingPathComponent("broken.yml"))
        kill(vigil.process.processIdentifier, SIGHUP)
        #expect(waitFor("reload failed", in: vigil), "\(vigil.stderr)")
        usleep(200_000)
        input.fileHandleForWriting.write(Data((10..<20).map(line).joined().utf8))
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("broken.yml:6:"), "\(vigil.stderr)")
        #expect(!vigil.stderr.contains("SIGHUP: reloaded"), "\(vigil.stderr)")
        let found = try detections(alerts)
        #expect(found.filter { $0.rule == "reload_failed_password" }.count == 20)
        #expect(found.filter { $0.rule == "reload_port_seen" }.isEmpty)
        let json = try readStats(stats)
        #expect(integer(json, "reloads") == 0)
        #expect(integer(json, "failed_reloads") == 1)
    }

    /// 3 failed passwords, a reload that adds an unrelated rule, 3 more: the brute force (5 within 60 s)
    /// still alerts, its state kept; also when the reload adds another correlation rule (state is kept
    /// per rule); a reload that changes the brute force rule drops its state.
    @Test("correlation state of unchanged rules is kept across a reload; a changed rule starts empty", arguments: [1, 2])
    func correlationStateAcrossReload(workers: Int) throws {
        for (changesCorrelation, addsCorrelation) in [(false, false), (true, false), (false, true)] {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let bruteForce = try String(
                contentsOf: TestPaths.packageRoot.appendingPathComponent("rules/sigma/correlation/mr_ssh_bruteforce.yml"),
                encoding: .utf8)
            try write(bruteForce, to: directory.appendingPathComponent("bruteforce.yml"))
            let alerts = temporaryPath("alerts")
            defer { try? FileManager.default.removeItem(atPath: alerts) }
            let input = Pipe()
            let vigil = try RunningVigil(["run", "--rules", directory.path, "--workers", "\(workers)", "--alerts", alerts], stdin: input)
            let failure = { (second: Int) in
                "Mar  1 10:00:\(String(format: "%02d", second)) web-02 sshd[4102]: Failed password for root from 203.0.113.9 port \(5000 + second) ssh2\n"
            }
            input.fileHandleForWriting.write(Data((1...3).map(failure).joined().utf8))
            #expect(waitUntilRunning(vigil), "\(vigil.stderr)")
            try write(Self.acceptedPassword, to: directory.appendingPathComponent("accepted.yml"))
            if addsCorrelation {
                let sudo = try String(
                    contentsOf: TestPaths.packageRoot.appendingPathComponent("rules/sigma/correlation/mr_sudo_repeated_failures.yml"),
                    encoding: .utf8)
                try write(sudo, to: directory.appendingPathComponent("sudo.yml"))
            }
            if changesCorrelation {
                try write(
                    bruteForce.replacingOccurrences(of: "gte: 5", with: "gte: 4"), to: directory.appendingPathComponent("bruteforce.yml"))
            }
            kill(vigil.process.processIdentifier, SIGHUP)
            #expect(waitFor("SIGHUP: reloaded", in: vigil), "\(vigil.stderr)")
            let accepted = "Mar  1 10:00:07 web-02 sshd[4102]: Accepted password for alice from 192.0.2.4 port 4000 ssh2\n"
            input.fileHandleForWriting.write(Data(((4...6).map(failure).joined() + accepted).utf8))
            try input.fileHandleForWriting.close()
            #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
            let lines = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n")
            let correlation = lines.filter { $0.contains(#""kind":"correlation""#) && $0.contains("203.0.113.9") }
            // The rule added by the reload runs.
            #expect(lines.contains { $0.contains("reload_accepted_password") }, "\(lines)")
            if changesCorrelation {
                // 3 failures after the reload do not reach the changed rule's 4: the 3 before were dropped.
                #expect(correlation.isEmpty, "\(correlation)")
                #expect(vigil.stderr.contains("kept for 0 unchanged rules"), "\(vigil.stderr)")
            } else {
                #expect(!correlation.isEmpty, "\(vigil.stderr)")
                #expect(
                    vigil.stderr.contains(
                        addsCorrelation ? "kept for 1 unchanged rules" : "correlation rules unchanged: correlation state kept"),
                    "\(vigil.stderr)")
            }
        }
    }
}
