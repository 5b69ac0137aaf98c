import Foundation
import VigilEvent

/// gen-authlog lines and a minimal RFC 3164 splitter, so the decode benchmark measures decoding only.
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

    /// Batches of `size` events with host, app and message set as an RFC 3164 parser would.
    static func batches(_ lines: [[UInt8]], size: Int) -> [EventBatch] {
        stride(from: 0, to: lines.count, by: size).map { start in
            var batch = EventBatch(source: SourceID(0), receiveTime: Timestamp(seconds: 0), bytes: [])
            for line in lines[start..<min(start + size, lines.count)] {
                let base = batch.bytes.count
                batch.bytes += line
                var event = Event(
                    source: SourceID(0), sequence: 0, receiveTime: batch.receiveTime, raw: ByteRange(start: base, count: line.count))
                event.format = .rfc3164
                event.hasOwnTime = true
                // "Mmm dd hh:mm:ss host app[pid]: message"
                if let hostEnd = line[16...].firstIndex(of: UInt8(ascii: " ")),
                    let colon = line[hostEnd...].firstIndex(of: UInt8(ascii: ":"))
                {
                    let appEnd = line[hostEnd..<colon].firstIndex(of: UInt8(ascii: "[")) ?? colon
                    event.host = ByteRange(start: base + 16, end: base + hostEnd)
                    event.app = ByteRange(start: base + hostEnd + 1, end: base + appEnd)
                    event.message = ByteRange(start: base + colon + 2, end: base + line.count)
                }
                batch.events.append(event)
            }
            return batch
        }
    }
}
