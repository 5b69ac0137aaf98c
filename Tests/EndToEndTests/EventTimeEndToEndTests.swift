import Foundation
import Testing
import VigilTestSupport

/// Issue 11's event-time bugs through the binary: each of these failed before (late detections, no
/// alert), with the input the issue describes.
@Suite("event time end to end", .serialized)
struct EventTimeEndToEndTests {
    static func failure(_ second: Int, from source: String = "198.51.100.9", host: String = "bastion", day: String = "Mar  1")
        -> String
    {
        String(
            format: "%@ 10:%02d:%02d %@ sshd[%d]: Failed password for root from %@ port %d ssh2", day, second / 60, second % 60, host,
            100 + second, source, 40000 + second)
    }

    static func cron(_ second: Int, _ i: Int) -> String {
        String(
            format: "Mar  1 10:%02d:%02d bastion CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            second / 60, second % 60, 5000 + i)
    }

    static func write(_ lines: [String], raw: [UInt8]? = nil, in folder: URL, name: String = "input.log") throws -> String {
        var data = Data((lines.joined(separator: "\n") + "\n").utf8)
        if let raw { data.append(contentsOf: raw) }
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// A 2015 combined access log: 4,000 lines of 200s, then 30 of 404 from one client within 30 s. The
    /// time comes from the decoder; the batches after the first were all "late" before.
    @Test("an access log of 2015: the decoder's time counts, the scanner is found, nothing is late")
    func decodedTimeMovesTheWatermark() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = Date(timeIntervalSince1970: 1_431_856_800)  // 2015-05-17T10:00:00Z
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss"
        var lines: [String] = []
        for i in 0..<4000 {
            let t = formatter.string(from: start.addingTimeInterval(Double(i / 10)))
            lines.append(#"10.0.\#(i % 200).\#(i % 250) - - [\#(t) +0000] "GET /page\#(i).html HTTP/1.1" 200 5120 "-" "Mozilla/5.0""#)
        }
        for i in 0..<30 {
            let t = formatter.string(from: start.addingTimeInterval(400 + Double(i)))
            lines.append(#"203.0.113.7 - - [\#(t) +0000] "GET /admin\#(i).php HTTP/1.1" 404 209 "-" "Mozilla/5.0""#)
        }
        let input = try Self.write(lines, in: folder, name: "access.log")
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--rules", "rules/sigma", "--stats-json", stats, input])
        #expect(result.status == 0, "\(result.stderr)")
        let scans = try alertObjects(result.stdout).filter { ruleName($0) == "web_scanning" }
        #expect(!scans.isEmpty, "\(result.stderr)")
        #expect(scans.allSatisfy { groupValue($0) == "203.0.113.7" && (($0["time"] as? String) ?? "").hasPrefix("2015-05-17") })
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "late") == 0)
        #expect(integer(json, "event_time", "by_source", "decoder") == 4030)
    }

    /// Three failures, a line of binary noise, a few hundred KiB of other lines of the same minute, six
    /// more failures. The noise took the wall clock and made every later batch late.
    /// `--live` reads the file as a pipe would be (`zcat old.log | vigil run`): live, yet one stream.
    @Test("a line without a time between old syslog lines does not make the lines after it late", arguments: [false, true])
    func untimedLineDoesNotDragTheWatermark(live: Bool) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var noise: [UInt8] = (0..<200).map { UInt8(1 + ($0 * 37) % 250) }
        noise = noise.map { $0 == 0x0A || $0 == 0x0D ? 0x78 : $0 }
        let head = (1...3).map { Self.failure($0) }.joined(separator: "\n") + "\n"
        let tail = (0..<6000).map { Self.cron(10 + $0 / 1000, $0) } + (30..<36).map { Self.failure($0) }
        let url = folder.appendingPathComponent("auth.log")
        try (Data(head.utf8) + Data(noise) + Data(("\n" + tail.joined(separator: "\n") + "\n").utf8)).write(to: url)
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            [
                "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--year", "2015", "--stats-json", stats, url.path,
            ] + (live ? ["--live"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try alertObjects(result.stdout).filter { ruleName($0) == "ssh_bruteforce" }
        #expect(alerts.contains { (($0["metric"] as? [String: Any])?["value"] as? Int) == 9 }, "\(result.stdout)")
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "late") == 0)
        #expect(integer(json, "event_time", "by_source", "inherited") == 1)
    }

    /// Only the first line has a time; every later batch is all untimed JSON (small batches), so their
    /// events are resolved by the ordered stage from the batches before, not by the worker.
    @Test("events without a time at the start of a batch take the time of their source's last timed event")
    func pendingEventsAcrossBatches() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines = [Self.failure(1)]
        for i in 0..<6 {
            lines.append(
                #"{"program":"sshd","host":"bastion","message":"Failed password for root from 198.51.100.9 port \#(41000 + i) ssh2"}"#)
            lines += (0..<60).map { #"{"program":"cron","host":"bastion","message":"padding line \#(i) \#($0) with some words in it"}"# }
        }
        let input = try Self.write(lines, in: folder)
        let stats = temporaryPath("stats.json")
        let result = try runVigil([
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--year", "2015", "--max-message-size", "1024",
            "--read-batch-bytes", "4096", "--stats-json", stats, input,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try alertObjects(result.stdout).filter { ruleName($0) == "ssh_bruteforce" }
        #expect(!alerts.isEmpty, "\(result.stderr)")
        for alert in alerts {
            let window = alert["window"] as? [String: Any]
            #expect((window?["end"] as? String)?.hasPrefix("2015-03-01T10:00:01") == true, "\(alert)")
        }
        let json = try readStats(stats)
        #expect(integer(json, "event_time", "by_source", "pending") > 100)
        #expect(integer(json, "correlation", "late") == 0)
    }

    /// In a 2015 file, one line stamped 2020 (below the wall clock, so only the jump rule catches it),
    /// then more than a batch of lines and more failures: before, every batch after it was late.
    @Test("a lone line far ahead in a replayed file moves nothing; the events after it still count")
    func loneJumpInAFile() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines =
            (0..<20).map { Self.cron($0, $0) } + (1...3).map { Self.failure($0) } + ["<13>1 2020-01-01T00:00:00Z evil app - - - forged"]
            + (0..<3000).map { Self.cron(10 + $0 / 1000, $0) } + (30..<33).map { Self.failure($0) }
        let input = try Self.write(lines, in: folder)
        let stats = temporaryPath("stats.json")
        let result = try runVigil([
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--year", "2015", "--stats-json", stats, input,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try alertObjects(result.stdout).contains { ruleName($0) == "ssh_bruteforce" }, "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "late") == 0)
        #expect(integer(json, "event_time", "unconfirmed_jumps") == 1)
        #expect(integer(json, "event_time", "future_time") == 1)
    }

    /// RFC 3164 stamp of the wall clock now, minus `hoursBehind`, in UTC.
    static func stampNow(hoursBehind: Double = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM dd HH:mm:ss"
        var text = formatter.string(from: Date().addingTimeInterval(-hoursBehind * 3600))
        // RFC 3164 pads the day with a space.
        if text.dropFirst(4).hasPrefix("0") { text = String(text.prefix(4)) + " " + String(text.dropFirst(5)) }
        return text
    }

    static func liveFailures(host: String, source: String, hoursBehind: Double = 0) -> [[UInt8]] {
        (0..<6).map { i in
            Array(
                "<38>\(stampNow(hoursBehind: hoursBehind)) \(host) sshd[\(700 + i)]: Failed password for root from \(source) port \(42000 + i) ssh2"
                    .utf8)
        }
    }

    /// Anyone who can send one datagram could blind correlation: the watermark jumped to 2200 and every
    /// later event was late.
    @Test("one UDP message from the year 2200 does not blind correlation")
    func futureDatagram() throws {
        let stats = temporaryPath("stats.json")
        let alerts = temporaryPath("alerts.jsonl")
        let vigil = try RunningVigil([
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--udp", "127.0.0.1:0", "--log-level", "info",
            "--stats-json", stats, "--alerts", alerts,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)["udp"], "\(vigil.stderr)")
        Sockets.sendDatagrams([Array("<13>1 2200-01-01T00:00:00Z evil app - - - hello".utf8)], port: port)
        usleep(300_000)
        Sockets.sendDatagrams(Self.liveFailures(host: "bastion", source: "198.51.100.66"), port: port)
        usleep(500_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let text = (try? String(contentsOfFile: alerts, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: alerts)
        #expect(try alertObjects(text).contains { ruleName($0) == "ssh_bruteforce" && groupValue($0) == "198.51.100.66" })
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "late") == 0)
        #expect(integer(json, "event_time", "ahead_of_clock") == 1)
    }

    /// One RFC 3164 sender logs local time five hours behind UTC: as one source, its events were all late
    /// (or the other host's were). Each host is its own source now; a zone per host puts it right.
    @Test("two hosts five hours apart on one listener both raise their alert", arguments: [false, true])
    func hostsInOtherZones(zoneForHost: Bool) throws {
        let stats = temporaryPath("stats.json")
        let alerts = temporaryPath("alerts.jsonl")
        var arguments = [
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--udp", "127.0.0.1:0", "--log-level", "info",
            "--stats-json", stats, "--alerts", alerts,
        ]
        // Etc/GMT+5 is UTC-5 (POSIX signs are inverted).
        if zoneForHost { arguments += ["--host-timezone", "behind-*=Etc/GMT+5"] }
        let vigil = try RunningVigil(arguments)
        let port = try #require(vigil.listeningPorts(count: 1)["udp"], "\(vigil.stderr)")
        for round in 0..<2 {
            Sockets.sendDatagrams(Self.liveFailures(host: "ahead-01", source: "198.51.100.\(10 + round)"), port: port)
            Sockets.sendDatagrams(Self.liveFailures(host: "behind-01", source: "203.0.113.\(10 + round)", hoursBehind: 5), port: port)
            usleep(300_000)
        }
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        let text = (try? String(contentsOfFile: alerts, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: alerts)
        let fired = try alertObjects(text).filter { ruleName($0) == "ssh_bruteforce" }
        for source in ["198.51.100.10", "198.51.100.11", "203.0.113.10", "203.0.113.11"] {
            #expect(fired.contains { groupValue($0) == source }, "\(source): \(text)")
        }
        if zoneForHost {
            // Read in its zone, the host behind is on time: every window ends within minutes of now.
            let now = Date()
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for alert in fired {
                let end = ((alert["window"] as? [String: Any])?["end"] as? String).flatMap { parser.date(from: $0) }
                #expect(end.map { abs($0.timeIntervalSince(now)) < 600 } == true, "\(alert)")
            }
        }
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "late") == 0)
    }

    @Test("a file's RFC 3164 years come from its modification time, not from today")
    func yearFromModificationTime() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Self.write([Self.failure(2), "Dec 30 23:00:00 bastion cron[1]: last year"], in: folder)
        let modified = Date(timeIntervalSince1970: 1_433_116_800)  // 2015-06-01T00:00:00Z
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: input)
        let result = try runVigil(["parse", "--no-decoders", input])
        #expect(result.status == 0, "\(result.stderr)")
        let times = try alertObjects(result.stdout).compactMap { $0["time"] as? String }
        #expect(times == ["2015-03-01T10:00:02Z", "2014-12-30T23:00:00Z"])
        // --year still wins; stdin from a pipe keeps the receive time's year.
        let fixed = try runVigil(["parse", "--no-decoders", "--year", "2011", input])
        #expect(try alertObjects(fixed.stdout).first?["time"] as? String == "2011-03-01T10:00:02Z")
    }

    /// `vigil parse` of one timed line then untimed ones over many batches: the untimed lines at the
    /// start of each later batch showed today's receive time before (the worker cannot know the time
    /// of the batch before); the ordered stage fills their slots with the source's last time.
    @Test("vigil parse: untimed lines in later batches show the time of the last timed line, not today")
    func parseFillsPendingTimes() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let untimed = (0..<400).map { "raw line \($0) without any time, padded to fill batches of four kilobytes" }
        let input = try Self.write([Self.failure(1)] + untimed, in: folder)
        for workers in ["1", "2"] {
            let result = try runVigil([
                "parse", "--no-decoders", "--year", "2015", "--read-batch-bytes", "4096", "--workers", workers, input,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let events = try alertObjects(result.stdout)
            #expect(events.count == 401)
            let times = Set(events.compactMap { $0["time"] as? String })
            #expect(times == ["2015-03-01T10:00:01Z"], "workers \(workers): \(times.sorted().prefix(3))")
        }
    }

    /// A file of 2015 (its year from the modification time): the evidence of an alert was parsed again
    /// from the message with the receive time alone, so its events said today's year.
    @Test("an alert's evidence shows the event times of the run, a file's year included")
    func evidenceShowsTheSettledTime() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Self.write((1...6).map { Self.failure($0) }, in: folder)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_433_116_800)], ofItemAtPath: input)  // 2015-06-01
        let result = try runVigil(["run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", input])
        #expect(result.status == 0, "\(result.stderr)")
        let alert = try #require(try alertObjects(result.stdout).first { ruleName($0) == "ssh_bruteforce" }, "\(result.stdout)")
        let events = try #require(alert["events"] as? [[String: Any]])
        #expect(!events.isEmpty)
        for event in events {
            #expect((event["time"] as? String)?.hasPrefix("2015-03-01T10:00:0") == true, "\(event)")
        }
        #expect((alert["time"] as? String)?.hasPrefix("2015-") == true, "\(alert)")
    }

    /// A forged host that keeps sending stamps of a month ago held the listener's event time back: the real
    /// brute force's alert waited for the end of the run. Past `--max-clock-lag` its events are
    /// correlated at their receive time, and the alert is written while vigil runs.
    @Test(
        "a host stamping a month ago over and over cannot hold the alerts of the others back",
        arguments: [("10m", true), ("366d", false)])
    func staleHostDoesNotStallAlerts(lag: String, alertsWhileRunning: Bool) throws {
        let alerts = temporaryPath("alerts.jsonl")
        defer { try? FileManager.default.removeItem(atPath: alerts) }
        let vigil = try RunningVigil([
            "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--udp", "127.0.0.1:0", "--log-level", "info",
            "--max-clock-lag", lag, "--alerts", alerts,
        ])
        let port = try #require(vigil.listeningPorts(count: 1)["udp"], "\(vigil.stderr)")
        func alertWritten() -> Bool {
            let text = (try? String(contentsOfFile: alerts, encoding: .utf8)) ?? ""
            return (try? alertObjects(text).contains { ruleName($0) == "ssh_bruteforce" && groupValue($0) == "198.51.100.77" }) == true
        }
        var sentFailures = false
        var seen = false
        for tick in 0..<100 {
            // The stale host, thirty days behind, and the real host's own traffic, on time.
            Sockets.sendDatagrams(
                [
                    Array("<38>\(Self.stampNow(hoursBehind: 720)) stale-host sshd[9]: Connection closed by 192.0.2.1 port 22".utf8),
                    Array("<78>\(Self.stampNow()) bastion CRON[\(5000 + tick)]: (root) CMD (true)".utf8),
                ], port: port)
            if tick == 5 {
                Sockets.sendDatagrams(Self.liveFailures(host: "bastion", source: "198.51.100.77"), port: port)
                sentFailures = true
            }
            usleep(100_000)
            if sentFailures && alertWritten() {
                seen = true
                break
            }
        }
        #expect(seen == alertsWhileRunning, "\(vigil.stderr)")
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        // Either way the alert is not lost: at the end the held-back windows are decided.
        #expect(alertWritten())
    }

    static let optionCases: [([String], Int32)] = [
        (["--lateness", "2d"], 0), (["--max-clock-skew", "1w"], 0), (["--max-clock-skew", "5m"], 0),
        (["--lateness", "3x"], 64), (["--timezone", "Invalid/Zone"], 64), (["--timezone", ""], 64), (["--year", "2263"], 64),
        (["--year", "1677"], 64), (["--year", "2261"], 0), (["--host-timezone", "web=Bad/Zone"], 64),
        (["--udp", "127.0.0.1:0,timezone=Nowhere"], 64),
    ]

    @Test("durations take d and w; zones and years that cannot work are usage errors", arguments: optionCases)
    func optionsAreChecked(arguments: [String], status: Int32) throws {
        let result = try runVigil(["run"] + arguments, stdin: Data("Mar  1 10:00:02 web sshd[1]: x\n".utf8))
        #expect(result.status == status, "\(arguments): \(result.stderr)")
    }
}
