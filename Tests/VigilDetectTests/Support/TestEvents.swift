import Foundation
import VigilEvent
import VigilIngest

/// Builds ``EventBatch``es for tests: JSON through vigil's own parser, and syslog events with the
/// decoded fields a decoder would add (decoders are another stage; these tests feed detection only).
enum TestEvents {
    /// JSON events; each text may hold several concatenated, pretty-printed objects (as SigmaHQ's
    /// regression files do). Objects are put on one line each (JSON strings hold no raw line breaks,
    /// so that is only whitespace) and parsed by `BatchParser` as `--format json`.
    static func json(_ texts: [String]) -> EventBatch {
        var lines: [[UInt8]] = []
        for text in texts { lines += objects(in: Array(text.utf8)) }
        return parse(lines)
    }

    /// One JSON event per list entry, made of string members (for text-line test data).
    static func jsonFields(_ events: [[(String, String)]]) -> EventBatch {
        parse(
            events.map { fields in
                let object = Dictionary(fields, uniquingKeysWith: { first, _ in first })
                return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            })
    }

    static func parse(_ lines: [[UInt8]]) -> EventBatch {
        var bytes: [UInt8] = []
        var messages: [ByteRange] = []
        for line in lines {
            let start = bytes.count
            bytes += line
            messages.append(ByteRange(start: start, end: bytes.count))
            bytes.append(0x0A)
        }
        let raw = RawBatch(source: SourceID(0), firstSequence: 0, receiveTime: Timestamp(nanoseconds: 0), bytes: bytes, messages: messages)
        var parser = BatchParser(options: ParserOptions(format: .forced(.json)))
        return parser.parse(raw)
    }

    /// Splits concatenated JSON objects (string-aware brace depth), each turned into one line.
    static func objects(in bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        for b in bytes {
            if depth == 0 && b != UInt8(ascii: "{") { continue }  // whitespace, BOM between objects
            current.append(b == 0x0A || b == 0x0D ? 0x20 : b)
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true }
            if b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 {
                    result.append(current)
                    current = []
                }
            }
        }
        return result
    }

    /// A syslog-like event: header parts and decoded fields (as a decoder would add them).
    struct Syslog {
        var message: String
        var app: String? = nil
        var host: String? = nil
        var pid: String? = nil
        var decoder: String? = nil
        var fields: [(String, String)] = []
        var format: EventFormat = .rfc3164
    }

    static func syslog(_ events: [Syslog]) -> EventBatch {
        var batch = EventBatch(source: SourceID(0), receiveTime: Timestamp(nanoseconds: 0), bytes: [])
        for e in events {
            let raw = batch.append(string: e.message)
            var event = Event(
                source: batch.source, sequence: UInt64(batch.events.count), receiveTime: batch.receiveTime, raw: raw, format: e.format)
            event.message = raw
            event.app = e.app.map { batch.append(string: $0) }
            event.host = e.host.map { batch.append(string: $0) }
            event.pid = e.pid.map { batch.append(string: $0) }
            event.decoder = e.decoder.map { Symbol($0) }
            let fields = e.fields.map { Field(name: Symbol($0.0), value: batch.append(string: $0.1)) }
            event.decodedFields = batch.appendFields(fields)
            batch.events.append(event)
        }
        return batch
    }
}
