import Foundation
import VigilEvent
import VigilIngest

/// Log lines turned into events by VigilIngest's parser (format detected per line), as the pipeline would
/// hand them to the decode stage.
enum SyslogLines {
    /// When every test batch was "received": RFC 3164 lines take their year from it.
    static let receiveTime = Timestamp(seconds: 1_709_467_200)  // 2024-03-03T12:00:00Z

    static func batch(_ lines: [String]) -> EventBatch {
        batch(bytes: lines.map { Array($0.utf8) })
    }

    static func batch(_ line: String) -> EventBatch { batch([line]) }

    /// Lines given as bytes (they need not be valid UTF-8).
    static func batch(bytes lines: [[UInt8]]) -> EventBatch {
        var bytes: [UInt8] = []
        var messages: [ByteRange] = []
        for line in lines {
            messages.append(ByteRange(start: bytes.count, count: line.count))
            bytes += line
        }
        var parser = BatchParser()
        return parser.parse(
            RawBatch(source: SourceID(0), firstSequence: 0, receiveTime: receiveTime, bytes: bytes, messages: messages))
    }

    /// The lines of a file (LF or CRLF), each decoded as UTF-8 with repairs.
    static func lines(of url: URL) throws -> [String] {
        try Data(contentsOf: url).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
    }
}
