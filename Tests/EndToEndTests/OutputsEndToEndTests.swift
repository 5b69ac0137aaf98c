import Foundation
import Testing
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Alert outputs on the built binary: a real syslog-ng and a real HTTP receiver get the alerts of their
/// tiers, and a webhook that is down at first gets every alert, in order, without holding up input.
@Suite("alert outputs end to end", .serialized)
struct OutputsEndToEndTests {
    /// The ids of the alert lines in `text`, in order.
    static func ids(_ lines: [String]) -> [String] {
        lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String }
    }

    static func alertLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The alert JSON of each request the receiver accepted, in order.
    static func posted(_ receiver: HTTPReceiver) -> [String] {
        alertLines(receiver.recordsFile).flatMap { line -> [String] in
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let body = record["body"] as? String,
                let alerts = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
            else { return [] }
            return alerts.compactMap { try? String(decoding: JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        }
    }

    /// The MSG (the alert JSON) of each line syslog-ng wrote (`PRI PROGRAM PID MSGID MSG`).
    static func messages(_ lines: [String]) -> [String] {
        lines.map { line in line.split(separator: " ", maxSplits: 4).last.map(String.init) ?? "" }
    }

    @Test("syslog-ng and an HTTP receiver get the alerts of their tiers, in the order of the --alerts file")
    func receiversGetTheirTiers() throws {
        guard SyslogNG.binary != nil else {
            Issue.record("syslog-ng is not installed (make deps installs syslog-ng-core)")
            return
        }
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let syslog = try SyslogNG(directory: directory)
        try syslog.start()
        defer { syslog.stop() }
        let receiver = try HTTPReceiver(directory: directory)
        try receiver.start()
        defer { receiver.stop() }
        let alerts = directory.file("alerts.jsonl")
        let run = try runVigil(
            [
                "run", "--rules", "rules/sigma", "--year", "2026", "--state-dir", directory.file("state"), "--alerts", alerts,
                "--syslog-out", "tcp://127.0.0.1:\(syslog.tcpPort),min-tier=2", "--syslog-out", "udp://127.0.0.1:\(syslog.udpPort)",
                "--webhook", "http://127.0.0.1:\(receiver.port)/alerts",
            ] + sampleInputs)
        #expect(run.status == 0, "\(run.stderr)")
        let all = Self.alertLines(alerts)
        let tiers = all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["tier"] as? Int }
        #expect(all.count > 100 && Set(tiers).isSuperset(of: [1, 2]))
        let high = Self.ids(all).enumerated().filter { tiers[$0.offset] >= 2 }.map(\.element)
        // TCP: the tier-2+ alerts, in order; UDP on loopback and the webhook: all of them.
        #expect(waitUntil(timeout: .seconds(20)) { syslog.lines(syslog.tcpFile).count >= high.count })
        #expect(Self.ids(Self.messages(syslog.lines(syslog.tcpFile))) == high)
        #expect(waitUntil(timeout: .seconds(20)) { syslog.lines(syslog.udpFile).count >= all.count })
        #expect(Set(Self.ids(Self.messages(syslog.lines(syslog.udpFile)))) == Set(Self.ids(all)))
        #expect(Self.ids(Self.posted(receiver)) == Self.ids(all))
        // Severity by tier: a tier-2 alert is err (local4: PRI 163).
        #expect(syslog.lines(syslog.tcpFile).allSatisfy { $0.hasPrefix("163 vigil ") || $0.hasPrefix("162 vigil ") })
        #expect(
            run.stderr.contains("output webhook http://127.0.0.1:\(receiver.port)/alerts: \(all.count) accepted, \(all.count) delivered"))
    }

    @Test("a webhook down at first, its receiver started 5 s later, gets every alert in order; input never waited")
    func webhookThatComesBackLater() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let port = freePort()
        let receiver = try HTTPReceiver(directory: directory, port: port)
        defer { receiver.stop() }
        let alerts = directory.file("alerts.jsonl")
        let input = Pipe()
        let started = ContinuousClock.now
        let vigil = try RunningVigil(
            [
                "run", "--rules", "rules/sigma", "--year", "2026", "--state-dir", directory.file("state"), "--alerts", alerts,
                "--webhook", "http://127.0.0.1:\(port)/alerts", "--log-level", "info",
            ], stdin: input)
        var lines = 0
        for path in ["samples/auth.log", "samples/web.log", "samples/attacks.log"] {
            let data = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent(path))
            lines += data.split(separator: UInt8(ascii: "\n")).count
            input.fileHandleForWriting.write(data)
        }
        // Every line is read and analysed while nothing listens on the webhook's port.
        var read = false
        for _ in 0..<40 where !read {
            kill(vigil.process.processIdentifier, SIGUSR1)
            usleep(100_000)
            read = vigil.stderr.contains("vigil: \(lines) events in")
        }
        #expect(read, "\(vigil.stderr)")
        #expect(ContinuousClock.now - started < .seconds(5), "input was held up")
        #expect(Self.alertLines(alerts).count > 50, "the --alerts file got the alerts meanwhile")
        #expect(!isListening(port: port))
        usleep(UInt32(max(0, 5_000_000 - Int((ContinuousClock.now - started).components.seconds * 1_000_000))))
        try receiver.start()
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit(seconds: 40) == 0, "\(vigil.stderr)")
        let all = Self.ids(Self.alertLines(alerts))
        let posted = Self.ids(Self.posted(receiver))
        #expect(posted == all, "\(posted.count) posted, \(all.count) alerts")
        #expect(Set(posted).count == posted.count, "none twice")
        #expect(vigil.stderr.contains("retried"), "\(vigil.stderr)")
    }
}
