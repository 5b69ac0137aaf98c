import Foundation
import Testing
import VigilTestSupport

/// Files vigil reads and writes, and the signals it takes while running (issue 12, "Files and signals").
@Suite("files and signals end to end", .serialized)
struct FilesAndSignalsEndToEndTests {
    /// A log that raises detection alerts with the shipped rules (25 with `rules/sigma`).
    static let attacks = TestPaths.packageRoot.appendingPathComponent("samples/attacks.log").path

    /// A fresh temporary directory, removed by the caller.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `sh -c script` with the binary as `$0` and `arguments` as `$@` (redirections the test
    /// helpers cannot express: stdin from a given file, stdout closed or on /dev/full).
    func runShell(_ script: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, TestPaths.vigilBinary.path] + arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        let errPath = temporaryPath("stderr")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try err.close()
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        return (process.terminationStatus, stderr)
    }

    // MARK: --alerts

    @Test(
        "--alerts naming an input (itself, a symbolic link, a hard link, stdin) is a usage error, exit 64, and the input is untouched",
        arguments: ["same", "symlink", "hardlink", "stdin"])
    func alertsIntoAnInputIsRefused(kind: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("auth.log").path
        try FileManager.default.copyItem(atPath: Self.attacks, toPath: input)
        let original = try Data(contentsOf: URL(fileURLWithPath: input))
        var alerts = input
        switch kind {
        case "symlink":
            alerts = directory.appendingPathComponent("alerts.jsonl").path
            try FileManager.default.createSymbolicLink(atPath: alerts, withDestinationPath: input)
        case "hardlink":
            alerts = directory.appendingPathComponent("alerts.jsonl").path
            try FileManager.default.linkItem(atPath: input, toPath: alerts)
        default: break
        }
        let result =
            kind == "stdin"
            ? try runShell(#"exec "$0" run --rules rules/sigma --year 2026 --alerts "$1" < "$1""#, [alerts])
            : try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--alerts", alerts, input]).outcome
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--alerts"), "\(result.stderr)")
        #expect(result.stderr.contains("is also an input"), "\(result.stderr)")
        #expect(!result.stderr.contains("events in"), "nothing may run: \(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
    }

    @Test("--stats-json naming an input is refused the same way")
    func statsIntoAnInputIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("auth.log").path
        try FileManager.default.copyItem(atPath: Self.attacks, toPath: input)
        let original = try Data(contentsOf: URL(fileURLWithPath: input))
        let result = try runVigil(["run", "--stats-json", input, input])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--stats-json"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
    }

    @Test("--alerts appends: a second run keeps what the first one wrote")
    func alertsAppend() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let alerts = directory.appendingPathComponent("alerts.jsonl").path
        try Data("{\"kept\":true}\n".utf8).write(to: URL(fileURLWithPath: alerts))
        for _ in 0..<2 {
            let result = try runVigil(["run", "--rules", "rules/sigma", "--year", "2026", "--alerts", alerts, Self.attacks])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let lines = withoutDetectionTimes(try String(contentsOfFile: alerts, encoding: .utf8)).split(separator: "\n")
        #expect(lines.first == "{\"kept\":true}")
        let run = (lines.count - 1) / 2
        try #require(run > 10 && lines.count == 1 + 2 * run, "\(lines.count) lines")
        #expect(Array(lines[1...run]) == Array(lines[(run + 1)...]))
    }

    // MARK: Inputs

    @Test("a directory given as input is an error, exit 1, naming it, before anything is read")
    func directoryInput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runVigil(["run", Self.attacks, directory.path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(directory.path): is a directory"), "\(result.stderr)")
        #expect(!result.stderr.contains("events in"), "\(result.stderr)")
    }

    // MARK: Outputs

    @Test("--stats-json that cannot be written stops the run before any input is read")
    func unwritableStats() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = directory.appendingPathComponent("missing/stats.json").path
        let alerts = directory.appendingPathComponent("alerts.jsonl").path
        let result = try runVigil([
            "run", "--rules", "rules/sigma", "--year", "2026", "--alerts", alerts, "--stats-json", stats, Self.attacks,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(stats): cannot write stats"), "\(result.stderr)")
        #expect(!result.stderr.contains("events in"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: alerts), "no alert may be written")
    }

    @Test("an error writing --alerts FILE names the file; the summary and the stats are still written")
    func alertsWriteError() throws {
        let stats = temporaryPath("stats.json")
        let result = try runVigil([
            "run", "--rules", "rules/sigma", "--year", "2026", "--alerts", "/dev/full", "--stats-json", stats, Self.attacks,
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("alerts file /dev/full: write failed: No space left on device"), "\(result.stderr)")
        #expect(!result.stderr.contains("standard output"), "\(result.stderr)")
        #expect(result.stderr.contains("vigil: 38 events"), "\(result.stderr)")
        #expect(result.stderr.contains("alerts written:"), "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 38)
    }

    @Test("standard output full or closed: the error names it; the summary and the stats are still written", arguments: ["full", "closed"])
    func standardOutputError(kind: String) throws {
        let stats = temporaryPath("stats.json")
        let redirect = kind == "full" ? ">/dev/full" : ">&-"
        let result = try runShell(
            #"exec "$0" run --rules rules/sigma --year 2026 --stats-json "$1" "$2" "# + redirect, [stats, Self.attacks])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("standard output: write failed"), "\(result.stderr)")
        #expect(result.stderr.contains("vigil: 38 events"), "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 38)
    }

    // MARK: Counters

    @Test("a file's bytes include the bytes cut off an over-long line, however long it is")
    func fileBytesIncludeCutOff() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("long.log").path
        var bytes = Data(repeating: UInt8(ascii: "x"), count: 3_000_000)
        bytes.append(Data("\nshort line\n".utf8))
        try bytes.write(to: URL(fileURLWithPath: input))
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--max-message-size", "1000", "--stats-json", stats, input])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try readStats(stats)
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        #expect((inputs.first?["bytes"] as? NSNumber)?.intValue == bytes.count, "\(inputs)")
        #expect(integer(json, "truncated") == 1)
        #expect(integer(json, "discarded_bytes") == 3_000_000 - 1000)
        #expect(result.stderr.contains("input \(input): 2 messages, \(bytes.count) bytes"), "\(result.stderr)")
    }

    /// Starts `vigil run --tcp` or `--udp` with `--stats-json`, hands the port to `send`, stops it with
    /// SIGTERM and returns the stats.
    func listen(_ transport: String, _ extra: [String] = [], send: (Int) -> Void) throws -> [String: Any] {
        let stats = temporaryPath("stats.json")
        let vigil = try RunningVigil(["run", "--\(transport)", "127.0.0.1:0", "--log-level", "info", "--stats-json", stats] + extra)
        let port = try #require(vigil.listeningPorts(count: 1)[transport], "\(vigil.stderr)")
        send(port)
        usleep(300_000)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        return try readStats(stats)
    }

    @Test("a listener's bytes are every byte received, the bytes cut off included", arguments: ["tcp", "udp"])
    func listenerBytesIncludeCutOff(transport: String) throws {
        let messages = ["<34>Oct 11 22:14:15 host app: before\n", String(repeating: "y", count: 2000) + "\n", "after\n"]
        let json = try listen(transport, ["--max-message-size", "256"]) { port in
            if transport == "tcp" {
                let fd = Sockets.connectTCP(port: port)
                Sockets.send(fd, Array(messages.joined().utf8))
                close(fd)
            } else {
                Sockets.sendDatagrams(messages.map { Array($0.utf8) }, port: port)
            }
        }
        #expect(integer(json, "events") == 3, "\(json)")
        #expect(integer(json, "truncated") == 1)
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        #expect((inputs.first?["bytes"] as? NSNumber)?.intValue == messages.joined().utf8.count, "\(inputs)")
    }

    @Test(
        "an octet-counted frame over the maximum size, cut by the peer's close once the maximum was read, counts as truncated",
        arguments: [1000, 1500])
    func cutFrameAtTheMaximumIsTruncated(sent: Int) throws {
        let json = try listen("tcp", ["--max-message-size", "1000"]) { port in
            let fd = Sockets.connectTCP(port: port)
            Sockets.send(fd, Array("2000 ".utf8) + Array(repeating: UInt8(ascii: "x"), count: sent))
            close(fd)
        }
        #expect(integer(json, "events") == 1, "\(json)")
        #expect(integer(json, "truncated") == 1, "\(json)")
        #expect(integer(json, "parse_errors", "by_reason", "oversize_message") == 1, "\(json)")
        #expect(integer(json, "discarded_bytes") == sent - 1000)
    }

    @Test("CRLF line ends: a blank line is skipped and a line of the maximum size is whole, alike in a file and over TCP")
    func crlfAlikeInFilesAndTCP() throws {
        let long = String(repeating: "z", count: 256)
        let text = "<34>Oct 11 22:14:15 host app: one\r\n\r\n\(long)\r\n\r\n<34>Oct 11 22:14:15 host app: two\r\n"
        let fileStats = temporaryPath("stats.json")
        let file = try runVigil(["run", "--max-message-size", "256", "--stats-json", fileStats], stdin: Data(text.utf8))
        #expect(file.status == 0, "\(file.stderr)")
        let tcp = try listen("tcp", ["--max-message-size", "256"]) { port in
            let fd = Sockets.connectTCP(port: port)
            Sockets.send(fd, Array(text.utf8))
            close(fd)
        }
        for json in [try readStats(fileStats), tcp] {
            #expect(integer(json, "events") == 3, "\(json)")
            #expect(integer(json, "empty_lines") == 2, "\(json)")
            #expect(integer(json, "truncated") == 0, "\(json)")
            #expect(integer(json, "parse_errors", "total") == 0, "\(json)")
        }
    }

    // MARK: Signals

    @Test("SIGUSR1 prints the run summary and the run goes on; SIGHUP does not stop it; end of stdin exits 0")
    func summaryAndHangupSignals() throws {
        let input = Pipe()
        let vigil = try RunningVigil(["run", "--rules", "rules/sigma/correlation"], stdin: input)
        let line = { (i: Int) in
            "Mar  1 10:00:\(String(format: "%02d", i % 60)) web-02 sshd[4102]: Failed password for root from 198.51.100.\(i % 7) port 5151 ssh2\n"
        }
        input.fileHandleForWriting.write(Data((0..<500).map(line).joined().utf8))
        // The summary shows what was collected when the signal came: ask until all 500 are in.
        var summary = ""
        for _ in 0..<40 where !summary.contains("vigil: 500 events") && vigil.process.isRunning {
            let before = vigil.stderr.count
            kill(vigil.process.processIdentifier, SIGUSR1)
            for _ in 0..<40 where vigil.process.isRunning {
                usleep(50_000)
                let text = String(vigil.stderr.dropFirst(before))
                if let start = text.range(of: "vigil: "), text[start.lowerBound...].contains("alerts written:") {
                    summary = String(text[start.lowerBound...])
                    break
                }
            }
        }
        #expect(summary.contains("vigil: 500 events"), "\(vigil.stderr)")
        for part in ["loading rules and decoders:", "by format:", "parse errors:", "drops:", "input stdin: 500 messages", "correlation:"] {
            #expect(summary.contains(part), "\(part): \(summary)")
        }
        #expect(vigil.process.isRunning)

        kill(vigil.process.processIdentifier, SIGHUP)
        usleep(500_000)
        #expect(vigil.process.isRunning, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("SIGHUP"), "\(vigil.stderr)")

        input.fileHandleForWriting.write(Data((500..<600).map(line).joined().utf8))
        try input.fileHandleForWriting.close()
        #expect(vigil.waitForExit() == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("vigil: 600 events"), "\(vigil.stderr)")
    }
}
