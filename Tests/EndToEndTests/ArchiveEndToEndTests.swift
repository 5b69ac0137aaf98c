import Foundation
import Testing
import VigilTestSupport

/// The forensic archive on the built binary: what `vigil run --archive` keeps comes back from
/// `vigil search` byte for byte; `--where` and `--grep` find exactly what `vigil parse` and `grep -P`
/// find; a replay gives the live run's alerts; damage, deletion and a crash are found and reported.
@Suite("forensic archive end to end")
struct ArchiveEndToEndTests {
    static let openSSH = TestPaths.sharedData.appendingPathComponent("loghub/OpenSSH/OpenSSH_2k.log").path

    /// Runs vigil and returns its standard output as bytes (search output may be any bytes).
    static func output(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let process = Process()
        process.executableURL = TestPaths.vigilBinary
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        _ = FileManager.default.createFile(atPath: directory.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: directory.file("err"), contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("out")))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("err")))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return (
            process.terminationStatus, try Data(contentsOf: URL(fileURLWithPath: directory.file("out"))),
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory.file("err"))), as: UTF8.self)
        )
    }

    /// `vigil run` of `inputs` into the archive `archive`, alerts to `alerts`.
    static func archiveRun(_ inputs: [String], archive: String, alerts: String, extra: [String] = []) throws -> ProcessResult {
        try runVigil(
            [
                "run", "--rules", "rules/sigma", "--year", "2026", "--archive", archive, "--alerts", alerts, "--state-dir",
                archive + "-state",
            ]
                + extra + inputs)
    }

    /// The loghub file ends its lines in CR LF; framing takes the CR off, and so does this copy, so that
    /// comparisons see the lines the archive holds.
    static func openSSHWithoutCR(in directory: TemporaryDirectory) throws -> String {
        let file = directory.file("openssh.log")
        try String(contentsOfFile: openSSH, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
            .write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    static func lines(_ data: Data) -> [Data] {
        data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map { Data($0) }
    }

    static func alertIDs(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["id"] as! String
        }
    }

    @Test("every message, malformed and invalid UTF-8 ones too, comes back byte for byte in the order received")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var input = try Data(contentsOf: URL(fileURLWithPath: Self.openSSH))
        var odd = Data()
        odd.append(contentsOf: Array("<999>not a priority\n".utf8))
        odd.append(contentsOf: [0xFF, 0xFE, 0x41, 0x00, 0x42, 0x0A])  // invalid UTF-8 and a NUL
        odd.append(contentsOf: Array("\n\n   \n".utf8))  // blank lines are not messages; spaces are one
        odd.append(contentsOf: Array("{\"broken\": json\n".utf8))
        odd.append(contentsOf: Array("Dec 10 07:00:00 LabSZ sshd[1]: line ending in CR LF\r\n".utf8))
        input.append(odd)
        input.append(try Data(contentsOf: URL(fileURLWithPath: Self.openSSH)).prefix(5000))
        input.append(UInt8(ascii: "\n"))
        let file = directory.file("input.log")
        try input.write(to: URL(fileURLWithPath: file))
        let run = try Self.archiveRun([file], archive: directory.file("archive"), alerts: directory.file("alerts.jsonl"))
        #expect(run.status == 0, "\(run.stderr)")
        let search = try Self.output(["search", "--archive", directory.file("archive"), "--arrival-order"])
        #expect(search.status == 0, "\(search.stderr)")
        // What framing gives: one message per LF, the CR before it removed, blank lines skipped.
        let expected = Self.lines(input).map { line in line.last == 0x0D ? line.dropLast() : line }.filter { !$0.isEmpty }
        let found = Self.lines(search.stdout)
        #expect(found.count == expected.count)
        #expect(found == expected.map { Data($0) })
        #expect(run.stderr.contains("archive: \(expected.count) messages"), "\(run.stderr)")
    }

    @Test("--where src_ip=IP returns exactly the events vigil parse decodes with that src_ip; --grep exactly what grep -P finds")
    func whereAndGrep() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        let file = try Self.openSSHWithoutCR(in: directory)
        let run = try Self.archiveRun([file], archive: archive, alerts: directory.file("alerts.jsonl"))
        #expect(run.status == 0, "\(run.stderr)")
        let parsed = try runVigil(["parse", "--year", "2026", file])
        let raw = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let events = parsed.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(events.count == raw.count)
        for ip in ["173.234.31.186", "183.62.140.253", "5.36.59.76"] {
            let expected = zip(raw, events).filter { (($0.1["fields"] as? [String: Any])?["src_ip"] as? String) == ip }.map { String($0.0) }
            #expect(!expected.isEmpty, "\(ip) is in the file")
            let found = try Self.output(["search", "--archive", archive, "--where", "src_ip=\(ip)", "--arrival-order"])
            #expect(found.status == 0, "\(found.stderr)")
            #expect(String(decoding: found.stdout, as: UTF8.self).split(separator: "\n").map(String.init) == expected, "\(ip)")
        }
        // --json prints what vigil parse prints for those events; --limit stops early; --no-index finds the same.
        let json = try Self.output(["search", "--archive", archive, "--where", "src_ip=173.234.31.186", "--json", "--limit", "2"])
        let jsonLines = String(decoding: json.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(jsonLines.count == 2)
        #expect(jsonLines.allSatisfy { parsed.stdout.contains(String($0.prefix(60))) && $0.contains(#""src_ip":"173.234.31.186""#) })
        let scanned = try Self.output(["search", "--archive", archive, "--where", "src_ip=173.234.31.186", "--no-index"])
        let indexed = try Self.output(["search", "--archive", archive, "--where", "src_ip=173.234.31.186"])
        #expect(scanned.stdout == indexed.stdout && !indexed.stdout.isEmpty)
        for pattern in [#"Failed password for (invalid user )?\w+ from 112\."#, #"port \d{5} ssh2$"#, "^Dec 10 07:0[0-4]"] {
            let grep = Process()
            grep.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            grep.arguments = ["LC_ALL=C", "grep", "-aP", pattern, file]
            let pipe = Pipe()
            grep.standardOutput = pipe
            try grep.run()
            let expected = pipe.fileHandleForReading.readDataToEndOfFile()
            grep.waitUntilExit()
            let found = try Self.output(["search", "--archive", archive, "--grep", pattern, "--arrival-order"])
            #expect(found.status == 0, "\(found.stderr)")
            #expect(found.stdout == expected, "\(pattern)")
            #expect(!expected.isEmpty)
        }
        // By event time with a range: only that minute, in time order.
        let minute = try Self.output([
            "search", "--archive", archive, "--from", "2026-12-10T07:28:00Z", "--to", "2026-12-10T07:29:00Z",
        ])
        let times = String(decoding: minute.stdout, as: UTF8.self).split(separator: "\n").map { String($0.prefix(15)) }
        #expect(times.count == raw.filter { $0.hasPrefix("Dec 10 07:28:") }.count)
        #expect(!times.isEmpty && times == times.sorted())
    }

    @Test(
        "a replay with the live run's rules gives the live run's alerts, same ids in the same order", arguments: ["openssh", "gen-authlog"])
    func replayEqualsLive(_ input: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var file = Self.openSSH
        if input == "gen-authlog" {
            _ = try runPython([
                TestPaths.sharedTools.appendingPathComponent("gen-authlog.py").path, "-n", "20000", "--seed", "7", "--out",
                directory.file("gen"),
            ])
            file = directory.file("gen.log")
        }
        let archive = directory.file("archive")
        let live = try Self.archiveRun([file], archive: archive, alerts: directory.file("live.jsonl"))
        #expect(live.status == 0, "\(live.stderr)")
        let replay = try runVigil([
            "replay", "--archive", archive, "--rules", "rules/sigma", "--year", "2026", "--alerts", directory.file("replay.jsonl"),
            "--state-dir", directory.file("replay-state"),
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let liveIDs = try Self.alertIDs(directory.file("live.jsonl"))
        #expect(liveIDs.count > 10)
        #expect(try Self.alertIDs(directory.file("replay.jsonl")) == liveIDs)
    }

    @Test("detection alerts carry archive_refs; vigil show prints the raw message each one points at")
    func evidenceReferences() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        let run = try Self.archiveRun(["samples/auth.log", "samples/web.log"], archive: archive, alerts: directory.file("alerts.jsonl"))
        #expect(run.status == 0, "\(run.stderr)")
        let alerts = try String(contentsOfFile: directory.file("alerts.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let referenced = alerts.filter { $0["archive_refs"] != nil }
        #expect(referenced.count >= 20)
        #expect(referenced.allSatisfy { $0["kind"] as? String == "detection" && $0["event"] != nil })
        for alert in referenced.prefix(40) {
            let reference = (alert["archive_refs"] as! [NSNumber])[0].stringValue
            let shown = try Self.output(["show", "--archive", archive, reference])
            #expect(shown.status == 0, "\(shown.stderr)")
            let message = ((alert["event"] as! [String: Any])["msg"] as! String)
            #expect(String(decoding: shown.stdout, as: UTF8.self).contains(message), "\(reference): \(message)")
        }
        let missing = try Self.output(["show", "--archive", archive, "999999999"])
        #expect(missing.status == 1 && missing.stderr.contains("not in the archive"))
    }

    @Test("verify: a clean archive verifies against its head; a flipped byte, a deleted segment and a wrong head are named")
    func verifyFindsDamage() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        // Two runs: two sealed segments.
        for _ in 0..<2 {
            let run = try Self.archiveRun([Self.openSSH], archive: archive, alerts: directory.file("alerts.jsonl"))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let head = try Self.output(["archive", "head", "--archive", archive])
        let headHash = String(decoding: head.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.status == 0 && headHash.count == 64, "\(head.stderr)")
        let clean = try Self.output(["verify", "--archive", archive, "--head", headHash])
        #expect(clean.status == 0, "\(String(decoding: clean.stdout, as: UTF8.self)) \(clean.stderr)")
        let wrongHead = try Self.output(["verify", "--archive", archive, "--head", String(repeating: "ab", count: 32)])
        #expect(wrongHead.status == 1)

        let segments = try FileManager.default.contentsOfDirectory(atPath: archive + "/segments").filter { $0.hasSuffix(".vseg") }.sorted()
        #expect(segments.count == 2, "\(segments)")
        // One byte flipped inside the first segment's first block's compressed data.
        let first = archive + "/segments/" + segments[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: first))
        bytes[bytes.count / 3] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: first))
        let flipped = try Self.output(["verify", "--archive", archive])
        let flippedText = String(decoding: flipped.stdout, as: UTF8.self)
        #expect(flipped.status == 1)
        #expect(flippedText.contains(String(segments[0].prefix(12))) || flippedText.contains("segment 1"), "\(flippedText)")
        // Search reports the damaged block and still returns the other segment's messages.
        let search = try Self.output(["search", "--archive", archive, "--arrival-order"])
        #expect(search.status == 1)
        #expect(search.stderr.contains("skipped"), "\(search.stderr)")
        #expect(Self.lines(search.stdout).count >= 2000)

        try FileManager.default.removeItem(atPath: archive + "/segments/" + segments[1])
        let deleted = try Self.output(["verify", "--archive", archive])
        #expect(deleted.status == 1)
        #expect(String(decoding: deleted.stdout, as: UTF8.self).contains("missing"), "\(String(decoding: deleted.stdout, as: UTF8.self))")
    }

    @Test(
        "kill -9 while archiving: the next run cuts the torn block, says how many messages it lost, and everything flushed is still there")
    func crashRecovery() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let archive = directory.file("archive")
        let input = Pipe()
        let vigil = try RunningVigil(
            [
                "run", "--rules", "rules/sigma", "--year", "2026", "--archive", archive, "--flush-interval", "100ms", "--alerts",
                directory.file("a.jsonl"),
            ],
            stdin: input)
        let lines = try String(contentsOfFile: Self.openSSHWithoutCR(in: directory), encoding: .utf8).split(separator: "\n")
        var sent = 0
        for chunk in stride(from: 0, to: lines.count, by: 200) {
            input.fileHandleForWriting.write(Data((lines[chunk..<min(chunk + 200, lines.count)].joined(separator: "\n") + "\n").utf8))
            sent = min(chunk + 200, lines.count)
            usleep(50_000)
        }
        usleep(500_000)  // several flush intervals: everything sent is flushed
        kill(vigil.process.processIdentifier, SIGKILL)
        _ = vigil.waitForExit(seconds: 10)
        let before = try Self.output(["search", "--archive", archive, "--arrival-order"])
        #expect(Self.lines(before.stdout).count == sent, "\(before.stderr)")
        // A torn block at the end, as a crash in the middle of a write leaves it.
        let open = try FileManager.default.contentsOfDirectory(atPath: archive + "/segments").filter { $0.hasSuffix(".vseg") }.sorted()
            .last!
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: archive + "/segments/" + open))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0x42, count: 100))
        try handle.close()
        let next = try Self.archiveRun(
            [Self.openSSH], archive: archive, alerts: directory.file("b.jsonl"), extra: ["--log-level", "warning"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("torn"), "\(next.stderr)")
        let after = try Self.output(["search", "--archive", archive, "--arrival-order"])
        #expect(Self.lines(after.stdout).count == sent + lines.count)
        let verify = try Self.output(["verify", "--archive", archive])
        #expect(verify.status == 0, "\(String(decoding: verify.stdout, as: UTF8.self))")
    }
}
