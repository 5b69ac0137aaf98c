import Foundation
import VigilEvent

/// Builds ``EventBatch``es for tests until `BatchParser` parses JSON: a small JSON reader that
/// flattens nested objects to dotted names and arrays to repeated fields (the `Field` conventions),
/// keeping numbers as written. Delete once the real parser lands in main.
enum TestEvents {
    /// One batch of JSON events (each text may hold several concatenated objects).
    static func json(_ texts: [String]) -> EventBatch {
        var builder = Builder()
        for text in texts { builder.addJSONObjects(text) }
        return builder.batch
    }

    /// JSON events given as (name, string value) pairs, without JSON text to parse.
    static func jsonFields(_ events: [[(String, String)]]) -> EventBatch {
        var builder = Builder()
        for fields in events {
            let raw = builder.batch.append(string: fields.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
            var event = Event(
                source: builder.batch.source, sequence: UInt64(builder.batch.events.count), receiveTime: builder.batch.receiveTime,
                raw: raw,
                format: .json)
            let list = fields.map { Field(name: Symbol($0.0), value: builder.batch.append(string: $0.1)) }
            event.fields = builder.batch.appendFields(list)
            builder.batch.events.append(event)
        }
        return builder.batch
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
        var builder = Builder()
        for e in events { builder.addSyslog(e) }
        return builder.batch
    }

    struct Builder {
        var batch = EventBatch(source: SourceID(0), receiveTime: Timestamp(nanoseconds: 0), bytes: [])

        mutating func addSyslog(_ e: Syslog) {
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

        mutating func addJSONObjects(_ text: String) {
            let bytes = Array(text.utf8)
            var reader = Reader(bytes: bytes)
            while true {
                reader.skipSpace()
                guard reader.position < bytes.count else { return }
                let start = reader.position
                var fields: [(String, [UInt8], FieldKind)] = []
                reader.readValue(path: "", into: &fields)
                let raw = batch.append(bytes: bytes[start..<reader.position])
                var event = Event(
                    source: batch.source, sequence: UInt64(batch.events.count), receiveTime: batch.receiveTime, raw: raw, format: .json)
                let list = fields.map { Field(name: Symbol($0.0), value: batch.append(bytes: $0.1), kind: $0.2) }
                event.fields = batch.appendFields(list)
                batch.events.append(event)
            }
        }
    }

    /// A permissive recursive-descent JSON reader (test data is trusted).
    struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains(bytes[position]) { position += 1 }
        }

        mutating func readValue(path: String, into fields: inout [(String, [UInt8], FieldKind)]) {
            skipSpace()
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                while true {
                    skipSpace()
                    if bytes[position] == UInt8(ascii: "}") {
                        position += 1
                        return
                    }
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    let key = String(decoding: readString(), as: UTF8.self)
                    skipSpace()
                    position += 1  // ':'
                    readValue(path: path.isEmpty ? key : path + "." + key, into: &fields)
                }
            case UInt8(ascii: "["):
                position += 1
                while true {
                    skipSpace()
                    if bytes[position] == UInt8(ascii: "]") {
                        position += 1
                        return
                    }
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    readValue(path: path, into: &fields)
                }
            case UInt8(ascii: "\""):
                fields.append((path, readString(), .string))
            default:
                let start = position
                while position < bytes.count, !",}] \n\r\t".utf8.contains(bytes[position]) { position += 1 }
                let token = Array(bytes[start..<position])
                let text = String(decoding: token, as: UTF8.self)
                let kind: FieldKind = text == "null" ? .null : (text == "true" || text == "false") ? .boolean : .number
                fields.append((path, kind == .null ? [] : token, kind))
            }
        }

        mutating func readString() -> [UInt8] {
            position += 1
            var out: [UInt8] = []
            while bytes[position] != UInt8(ascii: "\"") {
                if bytes[position] == UInt8(ascii: "\\") {
                    position += 1
                    let c = bytes[position]
                    switch c {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        var unit = UInt32(String(decoding: bytes[(position + 1)...(position + 4)], as: UTF8.self), radix: 16)!
                        position += 4
                        if unit >= 0xD800 && unit < 0xDC00, bytes[position + 1] == UInt8(ascii: "\\") {
                            let low = UInt32(String(decoding: bytes[(position + 3)...(position + 6)], as: UTF8.self), radix: 16)!
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            position += 6
                        }
                        out.append(contentsOf: String(Unicode.Scalar(unit) ?? "\u{FFFD}").utf8)
                    default: out.append(c)
                    }
                    position += 1
                } else {
                    out.append(bytes[position])
                    position += 1
                }
            }
            position += 1
            return out
        }
    }
}
