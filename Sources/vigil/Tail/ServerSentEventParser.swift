/// Splits a `text/event-stream` body into events (the WHATWG "event stream interpretation"), fed in
/// pieces as they arrive. Lines end in LF, CR or CRLF; `data` lines join with LF; comments are skipped;
/// an event is dispatched at a blank line.
struct ServerSentEventParser {
    struct Event: Equatable {
        var name: String = "message"
        var data: String = ""
        var id: String?
    }

    /// The longest line, and the most data of one event, kept: a server that never ends a line or an
    /// event cannot grow the client without bound (what goes over is skipped).
    static let maximumLineBytes = 8 << 20

    private var line: [UInt8] = []
    private var lineTooLong = false
    private var pending = Event()
    private var dataLines: [String] = []
    private var hasData = false
    private var dataBytes = 0
    private var lastWasCR = false
    /// The last `id` seen: what a reconnect sends as `Last-Event-ID`.
    private(set) var lastEventID: String?

    /// Feeds bytes; returns the events they completed.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if byte == 0x0A && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if let event = endLine() { events.append(event) }
            } else if line.count < Self.maximumLineBytes {
                line.append(byte)
            } else {
                lineTooLong = true
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer {
            line.removeAll(keepingCapacity: true)
            lineTooLong = false
        }
        if line.isEmpty {
            defer {
                pending = Event()
                dataLines = []
                hasData = false
                dataBytes = 0
            }
            guard hasData, dataBytes <= Self.maximumLineBytes else { return nil }
            var event = pending
            event.data = dataLines.joined(separator: "\n")
            event.id = lastEventID
            return event
        }
        if lineTooLong || line.first == 0x3A { return nil }  // cut, or a comment (`: heartbeat`)
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "event": pending.name = String(value)
        case "data":
            dataBytes += value.utf8.count + 1
            if dataBytes <= Self.maximumLineBytes { dataLines.append(String(value)) }
            hasData = true
        case "id" where !value.contains("\0"): lastEventID = String(value)
        default: break
        }
        return nil
    }
}
