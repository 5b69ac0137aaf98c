import Foundation
import Testing
import VigilTestSupport

/// `vigil run --http` on the built binary: alerts reach the store, the API and `vigil tail`; tail
/// survives a restart of vigil by resuming after the last alert it printed; metrics show the run;
/// unsafe or impossible addresses stop vigil before it reads anything.
@Suite(.serialized) struct DeskEndToEndTests {
    /// An SSH brute force from `source` (the shipped ssh_bruteforce correlation, tier 2), stamped now.
    static func bruteForce(from source: String, attempts: Int = 12) -> [[UInt8]] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d HH:mm:ss"
        let stamp = formatter.string(from: Date())
        return (0..<attempts).map { attempt in
            Array("<38>\(stamp) web-1 sshd[42]: Failed password for root from \(source) port \(40000 + attempt) ssh2".utf8)
        }
    }

    static func get(_ url: String) throws -> (status: Int, body: String) {
        let result = try runTool("/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}", url])
        let status = Int(result.split(separator: "\n").last ?? "") ?? 0
        return (status, String(result.dropLast(String(status).count)))
    }

    static func post(_ url: String, json: String) throws -> Int {
        let result = try runTool(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-d", json, url])
        return Int(result) ?? 0
    }

    static func runTool(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func start(state: String, udpPort: Int = 0, httpPort: Int = 0) throws -> (RunningVigil, udp: Int, http: Int) {
        let vigil = try RunningVigil([
            "run", "--rules", "rules/sigma", "--udp", "127.0.0.1:\(udpPort)", "--http", "127.0.0.1:\(httpPort)", "--state-dir", state,
            "--log-level", "info",
        ])
        let ports = vigil.listeningPorts(count: 2)
        let udp = try #require(ports["udp"], "no udp listener: \(vigil.stderr)")
        let http = try #require(ports["http"], "no http listener: \(vigil.stderr)")
        return (vigil, udp, http)
    }

    @Test func alertsReachTheAPIAndTailAcrossARestart() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.file("state")
        var (vigil, udp, http) = try Self.start(state: state)
        let base = "http://127.0.0.1:\(http)"
        #expect(waitUntil { (try? Self.get(base + "/readyz"))?.status == 200 })

        let tail = try RunningTail(["tail", "--url", base, "--tier", "2"])
        defer { tail.stop() }
        usleep(500_000)
        Sockets.sendDatagrams(Self.bruteForce(from: "198.51.100.20"), port: udp)
        #expect(waitUntil { tail.stdout.contains("src_ip=198.51.100.20") }, "tail saw: \(tail.stdout) \(tail.stderr)")
        #expect(tail.stdout.contains("SSH brute force"))

        // The API has it; an analyst acknowledges it.
        let listing = try Self.get(base + "/alerts?rule=ssh_bruteforce")
        #expect(listing.status == 200)
        let alerts = try #require(
            (try JSONSerialization.jsonObject(with: Data(listing.body.utf8)) as? [String: Any])?["alerts"] as? [[String: Any]])
        let id = try #require(alerts.first?["id"] as? String)
        #expect(try Self.post(base + "/alerts/\(id)/ack", json: #"{"note":"on it"}"#) == 200)

        // Metrics show the run (the run's figures reach them about once a second).
        var metrics = ""
        _ = waitUntil {
            metrics = (try? Self.get(base + "/metrics").body) ?? ""
            return metrics.contains("vigil_rule_alerts_total{rule=\"ssh_bruteforce\"}")
        }
        #expect(metrics.contains(#"vigil_events_total{format="rfc3164"} 12"#))
        #expect(metrics.contains("vigil_rule_alerts_total{rule=\"ssh_bruteforce\"}"))
        #expect(metrics.contains("vigil_output_alerts_total{output=\"store\",outcome=\"delivered\"}"))
        #expect(metrics.contains("vigil_alert_latency_seconds_count"))

        // vigil restarts on the same state and ports: tail says it reconnected and goes on without repeating.
        #expect(vigil.stop() == 0)
        (vigil, udp, http) = try Self.start(state: state, udpPort: udp, httpPort: http)
        defer { _ = vigil.stop() }
        #expect(waitUntil(timeout: .seconds(20)) { tail.stderr.contains("reconnected") }, "tail said: \(tail.stderr)")
        Sockets.sendDatagrams(Self.bruteForce(from: "198.51.100.21"), port: udp)
        #expect(waitUntil { tail.stdout.contains("src_ip=198.51.100.21") }, "tail saw: \(tail.stdout) \(tail.stderr)")
        let shown = tail.stdout.split(separator: "\n").filter { $0.contains("198.51.100.20") && $0.contains("opened") }
        #expect(shown.count == 1, "the first alert once, not again after the reconnect: \(tail.stdout)")

        // The acknowledgement survived the restart.
        let history = try Self.get(base + "/alerts/\(id)/history").body
        #expect(history.contains(#""action":"acknowledge""#) && history.contains(#""note":"on it""#))
    }

    /// A detection line that opens an episode of lnx_sshd_max_auth_failures (tier 1) keyed by `host`.
    static func tooManyFailures(host: String) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d HH:mm:ss"
        return Array(
            "<38>\(formatter.string(from: Date())) \(host) sshd[7]: Disconnecting invalid user odoo 192.0.2.9 port 2222: Too many authentication failures [preauth]"
                .utf8)
    }

    /// Closing an episode as a false positive with an exception holds back the rule's later alerts for
    /// the same entity at once (counted in the summary), and only those.
    @Test func falsePositiveExceptionAppliesAtOnce() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let vigil = try RunningVigil([
            "run", "--rules", "rules/sigma", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--state-dir", directory.file("state"),
            "--suppression-gap", "1s", "--log-level", "info",
        ])
        defer { _ = vigil.stop() }
        let ports = vigil.listeningPorts(count: 2)
        let udp = try #require(ports["udp"]), http = try #require(ports["http"])
        let base = "http://127.0.0.1:\(http)"
        #expect(waitUntil { (try? Self.get(base + "/readyz"))?.status == 200 })
        func alerts(host: String) -> [[String: Any]] {
            guard let body = try? Self.get(base + "/alerts?rule=lnx_sshd_max_auth_failures").body,
                let page = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            else { return [] }
            return ((page["alerts"] as? [[String: Any]]) ?? []).filter { $0["host"] as? String == host }
        }
        Sockets.sendDatagrams([Self.tooManyFailures(host: "noisy-1")], port: udp)
        #expect(waitUntil { !alerts(host: "noisy-1").isEmpty })
        let first = try #require(alerts(host: "noisy-1").first)
        let id = try #require(first["id"] as? String)
        let closed = try Self.post(
            base + "/alerts/\(id)/close", json: #"{"resolution":"false_positive","note":"scanner we run","exception":{"expires":"1h"}}"#)
        #expect(closed == 200)
        let exceptions = try Self.get(base + "/exceptions").body
        #expect(exceptions.contains(#""created_by":"local""#) && exceptions.contains("noisy-1"))
        let before = alerts(host: "noisy-1").count
        // After the gap, the same host makes a new episode: held back. Another host's is not.
        sleep(3)
        Sockets.sendDatagrams([Self.tooManyFailures(host: "noisy-1"), Self.tooManyFailures(host: "other-2")], port: udp)
        #expect(waitUntil { !alerts(host: "other-2").isEmpty })
        sleep(1)
        #expect(alerts(host: "noisy-1").count == before, "no alert for the excepted entity after the close")
        #expect(vigil.stop() == 0)
        #expect(vigil.stderr.contains("held back by analysts' exceptions"), "summary: \(vigil.stderr)")
    }

    /// A stream client that keeps up gets every alert the run stored before its `shutdown` event, even
    /// those the last batch made right before the run ended.
    @Test func aStreamThatKeepsUpGetsEveryAlertBeforeShutdown() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let input = Pipe()
        let vigil = try RunningVigil(
            [
                "run", "--rules", "rules/sigma", "--no-stdout", "--http", "127.0.0.1:0", "--state-dir", directory.file("state"),
                "--log-level",
                "info", "-",
            ], stdin: input)
        let http = try #require(vigil.listeningPorts(count: 1)["http"], "stderr: \(vigil.stderr)")
        let received = directory.file("stream")
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        client.arguments = ["-sN", "-o", received, "http://127.0.0.1:\(http)/alerts/stream"]
        try client.run()
        defer { if client.isRunning { client.terminate() } }
        usleep(500_000)
        let lines = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("samples/auth.log"), encoding: .utf8)
        input.fileHandleForWriting.write(Data(lines.utf8))
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit(seconds: 60) == 0)
        client.waitUntilExit()
        let stream = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
        let line = try #require(vigil.stderr.split(separator: "\n").first { $0.contains("output store:") })
        let stored = try #require(Int(line.split(separator: " ").dropFirst(2).first ?? ""), "\(line)")
        #expect(stored > 0)
        #expect(stream.components(separatedBy: "event: alert\n").count - 1 == stored, "stored \(stored); the stream: \(stream.suffix(300))")
        #expect(stream.hasSuffix("event: shutdown\ndata: {}\n\n"))
    }

    @Test(arguments: [
        (["--http", "0.0.0.0:0"], "--http-token-file"),
        (["--http", "127.0.0.1:99999"], "HOST:PORT"),
        (["--http-token-file", "/dev/null"], "needs --http"),
    ])
    func refusesBeforeReading(arguments: [String], message: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let result = try runVigil(["run", "--rules", "rules/sigma", "--state-dir", directory.file("state")] + arguments, stdin: Data())
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test func busyPortIsAClearError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (first, _, http) = try Self.start(state: directory.file("one"))
        defer { _ = first.stop() }
        let result = try runVigil(
            ["run", "--rules", "rules/sigma", "--http", "127.0.0.1:\(http)", "--state-dir", directory.file("two")], stdin: Data())
        #expect(result.status == 1)
        #expect(result.stderr.contains("127.0.0.1:\(http)"), "stderr: \(result.stderr)")
    }
}
