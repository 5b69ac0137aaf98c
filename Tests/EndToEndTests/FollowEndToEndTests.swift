import Foundation
import Testing
import VigilTestSupport

/// Issue 12, "Following files": before, only `tail -F | vigil run` followed a log; a file input was read
/// to its end and the run stopped, and nothing remembered where it was.
@Suite("vigil --follow: files read as they grow, across rotation and restarts", .serialized)
struct FollowEndToEndTests {
    static func line(_ n: Int) -> String {
        String(format: "Mar  1 10:%02d:%02d web-01 app[7]: line %05d of the followed log", n / 60 % 60, n % 60, n)
    }

    static func append(_ lines: [String], to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
        try handle.close()
    }

    /// The numbers of the `line NNNNN` events in `vigil parse` output, waiting (up to 20 s) for `count`.
    static func lineNumbers(in path: String, waitingFor count: Int) -> [Int] {
        var numbers: [Int] = []
        for _ in 0..<400 {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            numbers = text.split(separator: "\n").compactMap { row in
                row.range(of: "line ").flatMap { Int(row[$0.upperBound...].prefix(5)) }
            }
            if numbers.count >= count { break }
            usleep(50_000)
        }
        return numbers
    }

    @Test("a followed file is read as it grows, after a rename rotation and after a copy-truncate to the same length")
    func followsAcrossRotation() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("app.log").path
        try Self.append([Self.line(0)], to: log)
        let output = folder.appendingPathComponent("events.jsonl").path
        let vigil = try RunningVigil(
            ["parse", "--no-decoders", "--follow", "--state-dir", folder.appendingPathComponent("state").path, log], stdout: output)
        // Each step waits until the lines before it were read, so a slow machine cannot reorder them.
        #expect(Self.lineNumbers(in: output, waitingFor: 1) == [0], "\(vigil.stderr)")
        #expect(vigil.process.isRunning, "a followed file does not end the run: \(vigil.stderr)")
        try Self.append([Self.line(1), Self.line(2)], to: log)
        #expect(Self.lineNumbers(in: output, waitingFor: 3).count == 3)
        // Rotated by rename (logrotate's default): a line still reaches the old file after the rename,
        // then the new file gets two.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try Self.append([Self.line(3)], to: log + ".1")
        try Self.append([Self.line(4), Self.line(5)], to: log)
        #expect(Self.lineNumbers(in: output, waitingFor: 6).count == 6)
        // Copy-truncate (logrotate's copytruncate): the file is copied and emptied, then written again,
        // here to exactly the length it had, which only its first bytes tell apart.
        try FileManager.default.copyItem(atPath: log, toPath: log + ".2")
        try FileHandle(forWritingTo: URL(fileURLWithPath: log)).truncate(atOffset: 0)
        try Self.append([Self.line(6), Self.line(7)], to: log)
        #expect(Self.lineNumbers(in: output, waitingFor: 8) == Array(0..<8), "\(vigil.stderr)")
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
    }

    @Test("a restart after SIGTERM neither skips nor repeats a line, also when the file was rotated while vigil was stopped")
    func restartResumesAtTheSavedPosition() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("app.log").path
        let state = folder.appendingPathComponent("state").path
        // More than one read batch (4 KiB) so that positions are saved between batches too.
        try Self.append((0..<300).map(Self.line), to: log)
        func start(_ output: String) throws -> RunningVigil {
            try RunningVigil(
                [
                    "parse", "--no-decoders", "--follow", "--state-dir", state, "--read-batch-bytes", "4096", "--log-level", "info",
                    log,
                ], stdout: output)
        }
        let first = folder.appendingPathComponent("first.jsonl").path
        var vigil = try start(first)
        #expect(Self.lineNumbers(in: first, waitingFor: 300).count == 300, "\(vigil.stderr)")
        try Self.append((300..<400).map(Self.line), to: log)
        #expect(Self.lineNumbers(in: first, waitingFor: 400).count == 400, "\(vigil.stderr)")
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        // While stopped: more lines, a rename rotation, and a new file.
        try Self.append((400..<450).map(Self.line), to: log)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try Self.append((450..<500).map(Self.line), to: log)
        let second = folder.appendingPathComponent("second.jsonl").path
        vigil = try start(second)
        let resumed = Self.lineNumbers(in: second, waitingFor: 100)
        #expect(vigil.stop() == 0, "\(vigil.stderr)")
        #expect(vigil.stderr.contains("rotated while stopped"), "\(vigil.stderr)")
        let all = Self.lineNumbers(in: first, waitingFor: 0) + resumed
        #expect(all == Array(0..<500), "first \(all.prefix(3)) … count \(all.count); second starts \(resumed.prefix(3))")
    }
}
