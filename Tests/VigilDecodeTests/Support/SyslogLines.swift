import Foundation
import VigilEvent

/// A stand-in for VigilIngest's parser while it is being written: splits
/// `[<PRI>]TIMESTAMP HOST APP[PID]: MSG` (BSD or RFC 3339 time stamp) and makes anything else a raw event.
/// Enough for decoder tests, which need only app and message.
enum SyslogLines {
    static func batch(_ lines: [String]) -> EventBatch {
        batch(bytes: lines.map { Array($0.utf8) })
    }

    /// Lines given as bytes (they need not be valid UTF-8).
    static func batch(bytes lines: [[UInt8]]) -> EventBatch {
        var bytes: [UInt8] = []
        var events: [Event] = []
        for (i, line) in lines.enumerated() {
            let start = bytes.count
            bytes += line
            var event = Event(
                source: SourceID(0), sequence: UInt64(i), receiveTime: Timestamp(seconds: 0), raw: ByteRange(start: start, end: bytes.count)
            )
            split(line, into: &event, base: start)
            events.append(event)
        }
        return EventBatch(source: SourceID(0), receiveTime: Timestamp(seconds: 0), bytes: bytes, events: events)
    }

    static func batch(_ line: String) -> EventBatch { batch([line]) }

    /// The lines of a file (LF or CRLF), each decoded as UTF-8 with repairs.
    static func lines(of url: URL) throws -> [String] {
        try Data(contentsOf: url).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
    }

    private static let months: Set<[UInt8]> = Set(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) })

    private static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    private static func split(_ u: [UInt8], into event: inout Event, base: Int) {
        let space = UInt8(ascii: " ")
        var i = 0
        if u.first == UInt8(ascii: "<"), let close = u.firstIndex(of: UInt8(ascii: ">")), close < 5 { i = close + 1 }
        if u.count >= i + 16 && months.contains(Array(u[i..<(i + 3)])) && u[i + 15] == space {
            i += 16
        } else if u.count > i + 5 && u[i..<(i + 4)].allSatisfy(isDigit) && u[i + 4] == UInt8(ascii: "-"),
            let end = u[i...].firstIndex(of: space)
        {
            i = end + 1
        } else {
            return raw(&event)
        }
        guard let hostEnd = u[i...].firstIndex(of: space) else { return raw(&event) }
        event.host = ByteRange(start: base + i, end: base + hostEnd)
        let tagStart = hostEnd + 1
        guard tagStart < u.count, let colon = u[tagStart...].firstIndex(of: UInt8(ascii: ":")) else { return raw(&event) }
        var appEnd = colon
        if let bracket = u[tagStart..<colon].firstIndex(of: UInt8(ascii: "[")), u[colon - 1] == UInt8(ascii: "]") {
            appEnd = bracket
            event.pid = ByteRange(start: base + bracket + 1, end: base + colon - 1)
        }
        guard appEnd > tagStart, !u[tagStart..<appEnd].contains(space) else { return raw(&event) }
        event.app = ByteRange(start: base + tagStart, end: base + appEnd)
        var messageStart = colon + 1
        if messageStart < u.count && u[messageStart] == space { messageStart += 1 }
        event.message = ByteRange(start: base + messageStart, end: base + u.count)
        event.format = .rfc3164
        event.hasOwnTime = true
    }

    private static func raw(_ event: inout Event) {
        event.app = nil
        event.host = nil
        event.pid = nil
        event.message = event.raw
    }
}
