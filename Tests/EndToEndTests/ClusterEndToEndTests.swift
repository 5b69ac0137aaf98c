import Foundation
import Testing
import VigilTestSupport

/// vigil over NATS JetStream on the built binary, with a real `nats-server` on a free loopback port:
/// an edge publishes a file's batches, an analyzer takes them through the rules, and the alert stream
/// holds exactly the alerts (by id) of a single `vigil run` of the same file, each once.
@Suite("cluster over NATS JetStream end to end", .serialized)
struct ClusterEndToEndTests {
    static func alertIDs(_ text: String) throws -> [String] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["id"] as! String
        }
    }

    /// The input of a case: OpenSSH_2k as shipped, or gen-authlog lines made in `directory`.
    static func input(_ name: String, in directory: TemporaryDirectory, lines: Int = 50_000) throws -> String {
        guard name == "gen-authlog" else { return TestPaths.sharedData.appendingPathComponent("loghub/OpenSSH/OpenSSH_2k.log").path }
        _ = try runPython([
            TestPaths.sharedTools.appendingPathComponent("gen-authlog.py").path, "-n", "\(lines)", "--seed", "11", "--out",
            directory.file("gen"),
        ])
        return directory.file("gen.log")
    }

    /// A private nats-server with the cluster's streams and `file` published by an edge (stamps of 2025).
    static func publishedStream(_ file: String) throws -> (server: NATSServer, nats: [String]) {
        let server = try NATSServer()
        let nats = ["--nats", server.url]
        let initialized = try runVigil(["cluster", "init"] + nats)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let edge = try runVigil(["cluster", "edge"] + nats + ["--year", "2025", file])
        #expect(edge.status == 0, "\(edge.stderr)")
        return (server, nats)
    }

    @Test("edge, analyzer and alert stream give a single run's alerts, each once", arguments: ["openssh", "gen-authlog"])
    func clusterEqualsSingleRun(_ name: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try NATSServer()
        defer { server.stop() }
        let file = try Self.input(name, in: directory)
        // The release build where there is one: the analyzer correlates 50,000 lines.
        let binary = TestPaths.loadTestBinary
        let nats = ["--nats", server.url]

        let single = try runVigil(
            ["run", "--rules", "rules/sigma", "--year", "2025", "--state-dir", directory.file("single-state"), file], binary: binary)
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try Self.alertIDs(single.stdout)
        #expect(expected.count > 10)

        let initialized = try runVigil(["cluster", "init"] + nats, binary: binary)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let edge = try runVigil(["cluster", "edge"] + nats + ["--year", "2025", file], binary: binary)
        #expect(edge.status == 0, "\(edge.stderr)")
        let analyzer = try runVigil(
            // Parsing options (here the year of stamps without one: a past one, so that no stamp is in the
            // future and taken at its receive time, which differs between the two runs) are the analyzer's: it parses.
            ["cluster", "analyze"] + nats + [
                "--drain", "--rules", "rules/sigma", "--year", "2025", "--state-dir", directory.file("analyzer-state"),
            ],
            binary: binary)
        #expect(analyzer.status == 0, "\(analyzer.stderr)")
        #expect(try Self.alertIDs(analyzer.stdout) == expected, "the analyzer's own output is the single run's, in order")

        let stream = try runVigil(["cluster", "alerts"] + nats + ["--drain"], binary: binary)
        #expect(stream.status == 0, "\(stream.stderr)")
        let published = try Self.alertIDs(stream.stdout)
        #expect(Set(published) == Set(expected))
        #expect(published.count == Set(published).count, "an alert is stored once")

        let status = try runVigil(["cluster", "status"] + nats, binary: binary)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("stream VIGIL_RAW: "), "\(status.stdout)")
        #expect(status.stdout.contains(" on VIGIL_RAW: lag 0 messages"), "the analyzer took every block: \(status.stdout)")
    }

    /// Messages in the alert stream now (from `vigil cluster status`).
    static func storedAlerts(_ nats: [String]) -> Int {
        guard let status = try? runVigil(["cluster", "status"] + nats), status.status == 0,
            let line = status.stdout.split(separator: "\n").first(where: { $0.hasPrefix("stream VIGIL_ALERTS: ") })
        else { return 0 }
        return Int(line.split(separator: " ")[2]) ?? 0
    }

    @Test("kill -9 of an analyzer mid-way and a nats-server restart: the single run's alerts, each once")
    func analyzerKilledAndServerRestarted() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try NATSServer()
        defer { server.stop() }
        let file = try Self.input("gen-authlog", in: directory)
        let nats = ["--nats", server.url]
        let single = try runVigil(
            ["run", "--rules", "rules/sigma", "--year", "2025", "--state-dir", directory.file("single-state"), file],
            binary: TestPaths.loadTestBinary)
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try Self.alertIDs(single.stdout)
        #expect(try runVigil(["cluster", "init"] + nats).status == 0)
        #expect(try runVigil(["cluster", "edge"] + nats + ["--year", "2025", file], binary: TestPaths.loadTestBinary).status == 0)

        // The debug build analyzes slowly enough to be caught mid-way.
        let analyze = ["cluster", "analyze"] + nats + ["--rules", "rules/sigma", "--year", "2025"]
        let first = try RunningVigil(analyze + ["--state-dir", directory.file("first")])
        #expect(waitUntil(timeout: .seconds(60)) { Self.storedAlerts(nats) > 0 }, "\(first.stderr.suffix(2000))")
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let stored = Self.storedAlerts(nats)
        #expect(stored > 0 && stored < expected.count, "killed mid-way: \(stored) of \(expected.count) alerts stored")

        let second = try RunningVigil(analyze + ["--drain", "--state-dir", directory.file("second")])
        #expect(waitUntil(timeout: .seconds(60)) { Self.storedAlerts(nats) > stored } || !second.process.isRunning)
        server.kill()
        usleep(500_000)
        try server.start()
        #expect(second.waitForExit(seconds: 180) == 0, "\(second.stderr.suffix(3000))")

        let stream = try runVigil(["cluster", "alerts"] + nats + ["--drain"])
        #expect(stream.status == 0, "\(stream.stderr)")
        let published = try Self.alertIDs(stream.stdout)
        #expect(published.count == Set(published).count, "an alert is stored once")
        #expect(Set(published) == Set(expected), "\(published.count) stored, \(expected.count) from the single run")
    }

    @Test("an analyzer that falls behind slows the edge, which says so and loses nothing")
    func lagSlowsTheEdge() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try NATSServer()
        defer { server.stop() }
        // 56 blocks: more than an analyzer's pipeline holds.
        let file = try Self.input("gen-authlog", in: directory, lines: 200_000)
        let nats = ["--nats", server.url]
        #expect(try runVigil(["cluster", "init"] + nats).status == 0)
        // The debug build's analyzer is slower than the edge: with a lag of 4 blocks allowed, the edge
        // must wait for it.
        let analyzer = try RunningVigil(
            ["cluster", "analyze"] + nats + [
                "--drain", "--rules", "rules/sigma", "--year", "2025", "--log-level", "info", "--state-dir", directory.file("a"),
            ])
        #expect(
            waitUntil(timeout: .seconds(20)) { (try? runVigil(["cluster", "status"] + nats).stdout.contains("consumer analyzer")) == true })
        let edge = try runVigil(
            ["cluster", "edge"] + nats + ["--max-lag", "4", "--log-level", "info", "--year", "2025", file], binary: TestPaths.loadTestBinary
        )
        #expect(edge.status == 0, "\(edge.stderr)")
        #expect(edge.stderr.contains("the edge waits for it"), "\(edge.stderr.suffix(2000))")
        #expect(!edge.stderr.contains("waited 0 times"), "\(edge.stderr.suffix(2000))")
        #expect(analyzer.waitForExit(seconds: 180) == 0, "\(analyzer.stderr.suffix(2000))")
        let blocks = try #require(edge.stderr.firstMatch(of: /in (\d+) blocks/).flatMap { Int($0.1) })
        #expect(analyzer.stderr.contains("\(blocks) blocks fed, 0 damaged"), "\(analyzer.stderr.suffix(2000))")
    }

    @Test("the desk stores the alert stream's alerts once each, also when it reads them again")
    func deskStoresTheStream() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (server, nats) = try Self.publishedStream(try Self.input("openssh", in: directory))
        defer { server.stop() }
        let analyzer = try runVigil(
            ["cluster", "analyze"] + nats + ["--drain", "--rules", "rules/sigma", "--year", "2025", "--state-dir", directory.file("a")])
        #expect(analyzer.status == 0, "\(analyzer.stderr)")
        let expected = try Self.alertIDs(analyzer.stdout)
        let store = directory.file("desk")
        // The second desk reads with another consumer, so it is given every alert again.
        for consumer in ["desk", "again"] {
            let desk = try runVigil(
                ["cluster", "desk"] + nats + [
                    "--consumer", consumer, "--drain", "--http", "127.0.0.1:0", "--state-dir", store, "--log-level", "info",
                ])
            #expect(desk.status == 0, "\(desk.stderr)")
            #expect(desk.stderr.contains("took \(expected.count) alerts from the stream"), "\(desk.stderr)")
        }
        let counted = try runPython([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(*c.execute('select count(*), count(distinct id) from alerts').fetchone())",
            store + "/alerts.sqlite",
        ])
        #expect(
            counted.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } == [
                expected.count, expected.count,
            ])
    }

    @Test("an analyzer run again over the same stream stores nothing twice")
    func republishedAlertsAreStoredOnce() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (server, nats) = try Self.publishedStream(try Self.input("openssh", in: directory))
        defer { server.stop() }
        let analyze =
            ["cluster", "analyze"] + nats + ["--drain", "--rules", "rules/sigma", "--year", "2025", "--state-dir", directory.file("state")]
        let first = try runVigil(analyze)
        #expect(first.status == 0, "\(first.stderr)")
        // An analyzer that takes over replays the stream from its first block and publishes every
        // alert again: the alert stream keeps each id once.
        let firstIDs = try Self.alertIDs(first.stdout)
        let second = try runVigil(analyze)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.alertIDs(second.stdout) == firstIDs)
        let stream = try runVigil(["cluster", "alerts"] + nats + ["--drain"])
        let published = try Self.alertIDs(stream.stdout)
        #expect(published.count == firstIDs.count, "published again, stored once")
        #expect(Set(published) == Set(firstIDs))
    }
}
