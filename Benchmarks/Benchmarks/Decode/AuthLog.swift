import Foundation
import VigilEvent
import VigilIngest

/// gen-authlog lines, parsed before measuring, so the decode benchmark measures decoding only.
enum AuthLog {
    /// Runs gen-authlog.py (`../shared/tools` next to the repository, or `/work/shared/tools`) and returns
    /// its auth.log lines.
    static func generate(repository: URL, count: Int) -> [[UInt8]] {
        let candidates = [
            repository.appendingPathComponent("../shared/tools/gen-authlog.py").standardizedFileURL,
            URL(fileURLWithPath: "/work/shared/tools/gen-authlog.py"),
        ]
        let tool = candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-decode-bench-\(getpid())")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", tool.path, "-n", "\(count)", "--out", out.path]
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(atPath: out.path + ".log")
                try? FileManager.default.removeItem(atPath: out.path + ".jsonl")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: out.path + ".log"))
            return data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        } catch {
            fatalError("gen-authlog: \(error)")
        }
    }

    static func program(of line: [UInt8]) -> String {
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count > 4 else { return "" }
        return String(decoding: fields[4].prefix { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: ":") }, as: UTF8.self)
    }

    /// Batches of `size` events, parsed by VigilIngest's parser (not measured).
    static func batches(_ lines: [[UInt8]], size: Int) -> [EventBatch] {
        var parser = BatchParser()
        return stride(from: 0, to: lines.count, by: size).map { start in
            var bytes: [UInt8] = []
            var messages: [ByteRange] = []
            for line in lines[start..<min(start + size, lines.count)] {
                messages.append(ByteRange(start: bytes.count, count: line.count))
                bytes += line
            }
            let raw = RawBatch(
                source: SourceID(0), firstSequence: UInt64(start), receiveTime: Timestamp(seconds: 1_709_467_200), bytes: bytes,
                messages: messages)
            return parser.parse(raw)
        }
    }
}
