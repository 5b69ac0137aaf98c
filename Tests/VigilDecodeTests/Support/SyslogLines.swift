import VigilEvent

/// A stand-in for VigilIngest's parser while it is being written: splits
/// `[<PRI>]TIMESTAMP HOST APP[PID]: MSG` (BSD or RFC 3339 time stamp) and makes anything else a raw event.
/// Enough for decoder tests, which need only app and message.
enum SyslogLines {
    static func batch(_ lines: [String]) -> EventBatch {
        var bytes: [UInt8] = []
        var events: [Event] = []
        for (i, line) in lines.enumerated() {
            let start = bytes.count
            bytes += Array(line.utf8)
            var event = Event(source: SourceID(0), sequence: UInt64(i), receiveTime: Timestamp(seconds: 0), raw: ByteRange(start: start, end: bytes.count))
            split(line, into: &event, base: start)
            events.append(event)
        }
        return EventBatch(source: SourceID(0), receiveTime: Timestamp(seconds: 0), bytes: bytes, events: events)
    }

    static func batch(_ line: String) -> EventBatch { batch([line]) }

    private static let months: Set<Substring> = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func split(_ line: String, into event: inout Event, base: Int) {
        let u = Array(line.utf8)
        var i = 0
        if u.first == UInt8(ascii: "<"), let close = u.firstIndex(of: UInt8(ascii: ">")), close < 5 { i = close + 1 }
        let rest = String(decoding: u[i...], as: UTF8.self)
        var headerLength: Int
        if rest.count >= 16, months.contains(rest.prefix(3)), Array(rest.utf8)[15] == UInt8(ascii: " ") {
            headerLength = 16
        } else if let space = rest.firstIndex(of: " "), rest.prefix(4).allSatisfy(\.isNumber), rest.dropFirst(4).first == "-" {
            headerLength = rest.utf8.distance(from: rest.startIndex, to: space) + 1
        } else {
            event.message = event.raw
            return
        }
        i += headerLength
        guard let hostEnd = u[i...].firstIndex(of: UInt8(ascii: " ")) else { return raw(&event) }
        event.host = ByteRange(start: base + i, end: base + hostEnd)
        let tagStart = hostEnd + 1
        guard let colon = u[tagStart...].firstIndex(of: UInt8(ascii: ":")), colon + 1 < u.count || colon + 1 == u.count else {
            return raw(&event)
        }
        var appEnd = colon
        if let bracket = u[tagStart..<colon].firstIndex(of: UInt8(ascii: "[")), u[colon - 1] == UInt8(ascii: "]") {
            appEnd = bracket
            event.pid = ByteRange(start: base + bracket + 1, end: base + colon - 1)
        }
        guard !u[tagStart..<appEnd].contains(UInt8(ascii: " ")) else { return raw(&event) }
        event.app = ByteRange(start: base + tagStart, end: base + appEnd)
        var messageStart = colon + 1
        if messageStart < u.count && u[messageStart] == UInt8(ascii: " ") { messageStart += 1 }
        event.message = ByteRange(start: base + messageStart, end: base + u.count)
        event.format = .rfc3164
    }

    private static func raw(_ event: inout Event) {
        event.host = nil
        event.pid = nil
        event.message = event.raw
    }
}
