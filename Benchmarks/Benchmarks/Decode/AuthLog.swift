import Foundation
import GenAuthLog
import VigilEvent
import VigilIngest

/// gen-authlog lines, parsed before measuring, so the decode benchmark measures decoding only.
enum AuthLog {
    /// gen-authlog.py's auth.log lines.
    static func generate(count: Int) -> [[UInt8]] {
        let prefix = GenAuthLog.temporaryPrefix("decode")
        GenAuthLog.generate(lines: count, prefix: prefix)
        defer {
            try? FileManager.default.removeItem(atPath: prefix + ".log")
            try? FileManager.default.removeItem(atPath: prefix + ".jsonl")
        }
        return GenAuthLog.lines(ofFile: prefix + ".log")
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
