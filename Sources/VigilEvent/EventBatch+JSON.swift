extension EventBatch {
    /// Appends an event in vigil's normalized JSON form (no trailing newline): the object `vigil parse`
    /// prints and alerts embed as `event`.
    ///
    /// Convenience for one-off rendering; hot paths keep an ``EventJSONRenderer`` per thread instead.
    public func appendJSON(of event: Event, to out: inout [UInt8]) {
        var renderer = EventJSONRenderer()
        renderer.append(event, of: self, to: &out)
    }

    /// The normalized JSON of an event as a String.
    public func json(of event: Event) -> String {
        var out: [UInt8] = []
        appendJSON(of: event, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Renders events as vigil's normalized JSON. Owned by one thread: it caches the escaped JSON form of every
/// field and decoder name it has printed, so rendering takes no lock and allocates nothing per event.
///
/// Keys: `time` (RFC 3339 UTC, the input's sub-second precision up to microseconds), `host`, `app`, `pid`,
/// `msgid` (RFC 5424 only), `facility`, `severity`, `msg`, `format`, `decoder` (when one matched), `fields`
/// (parsed and decoded; a decoded field hides a parsed one of the same name; a repeated name becomes an
/// array) and `error` (when parsing failed).
public struct EventJSONRenderer {
    /// Quoted, escaped names by symbol number; empty until first needed.
    private var quotedNames: [[UInt8]] = []

    public init() {}

    /// Returns, for an event whose time is not known yet (``EventTimeSource/pending``), the offset in
    /// `out` of its time: a ``PendingTimeSlot/width``-byte slot (the receive time with six sub-second
    /// digits) that the ordered stages overwrite once they know the time (``PendingTimeSlot/fill``).
    @discardableResult
    public mutating func append(_ event: Event, of batch: EventBatch, to out: inout [UInt8]) -> Int? {
        JSONOutput.appendRaw(#"{"time":"#, to: &out)
        var slot: Int? = nil
        if event.timeSource == .pending {
            slot = out.count
            out.append(UInt8(ascii: "\""))
            event.time.appendRFC3339(to: &out, fractionDigits: 6)
        } else {
            out.append(UInt8(ascii: "\""))
            event.time.appendRFC3339(to: &out, fractionDigits: min(Int(event.timePrecision), 6))
        }
        out.append(UInt8(ascii: "\""))
        appendText(#","host":"#, event.host, batch, &out)
        appendText(#","app":"#, event.app, batch, &out)
        appendText(#","pid":"#, event.pid, batch, &out)
        if event.format == .rfc5424 { appendText(#","msgid":"#, event.msgid, batch, &out) }
        JSONOutput.appendRaw(#","facility":"#, to: &out)
        if let f = event.facility { JSONOutput.appendInteger(f, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        JSONOutput.appendRaw(#","severity":"#, to: &out)
        if let s = event.severity { JSONOutput.appendInteger(s, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        appendText(#","msg":"#, event.message, batch, &out)
        switch event.format {
        case .rfc3164: JSONOutput.appendRaw(#","format":"rfc3164""#, to: &out)
        case .rfc5424: JSONOutput.appendRaw(#","format":"rfc5424""#, to: &out)
        case .json: JSONOutput.appendRaw(#","format":"json""#, to: &out)
        case .raw: JSONOutput.appendRaw(#","format":"raw""#, to: &out)
        }
        if let decoder = event.decoder {
            JSONOutput.appendRaw(#","decoder":"#, to: &out)
            appendQuoted(decoder, to: &out)
        }
        JSONOutput.appendRaw(#","fields":{"#, to: &out)
        appendFields(of: event, batch, &out)
        out.append(UInt8(ascii: "}"))
        if let failure = event.parseFailure {
            JSONOutput.appendRaw(#","error":"#, to: &out)
            JSONOutput.appendString(failure.description, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return slot
    }

    /// Appends a name's quoted, escaped form (made once per name and renderer).
    private mutating func appendQuoted(_ symbol: Symbol, to out: inout [UInt8]) {
        let index = Int(symbol.rawValue)
        if index >= quotedNames.count || quotedNames[index].isEmpty { cacheQuoted(symbol) }
        quotedNames.withUnsafeBufferPointer { names in
            names[index].withUnsafeBytes { out.append(contentsOf: $0) }
        }
    }

    private mutating func cacheQuoted(_ symbol: Symbol) {
        let index = Int(symbol.rawValue)
        if index >= quotedNames.count {
            quotedNames.append(contentsOf: repeatElement([], count: index + 1 - quotedNames.count))
        }
        var bytes: [UInt8] = []
        JSONOutput.appendString(symbol.name, to: &bytes)
        quotedNames[index] = bytes
    }

    private func appendText(_ key: StaticString, _ range: ByteRange?, _ batch: EventBatch, _ out: inout [UInt8]) {
        JSONOutput.appendRaw(key, to: &out)
        if let range {
            batch.withBytes(range) { JSONOutput.appendString($0, to: &out) }
        } else {
            JSONOutput.appendRaw("null", to: &out)
        }
    }

    /// Fields in first-appearance order. Events have few fields, so the quadratic scans below are cheaper
    /// than building a dictionary per event, and they allocate nothing.
    private mutating func appendFields(of event: Event, _ batch: EventBatch, _ out: inout [UInt8]) {
        let fields = batch.fields
        let parsed = event.fields.range, decoded = event.decodedFields.range
        var first = true
        for pass in 0..<2 {
            let isDecoded = pass == 1
            let span = isDecoded ? decoded : parsed
            for i in span {
                let name = fields[i].name
                // A decoded field hides parsed ones of the same name; a repeated name prints once, as an array.
                if !isDecoded && decoded.contains(where: { fields[$0].name == name }) { continue }
                if span[..<i].contains(where: { fields[$0].name == name }) { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendQuoted(name, to: &out)
                out.append(UInt8(ascii: ":"))
                let repeated = span[(i + 1)...].contains { fields[$0].name == name }
                if repeated { out.append(UInt8(ascii: "[")) }
                appendValue(fields[i], batch, &out)
                if repeated {
                    for j in span[(i + 1)...] where fields[j].name == name {
                        out.append(UInt8(ascii: ","))
                        appendValue(fields[j], batch, &out)
                    }
                    out.append(UInt8(ascii: "]"))
                }
            }
        }
    }

    private func appendValue(_ field: Field, _ batch: EventBatch, _ out: inout [UInt8]) {
        switch field.kind {
        case .string:
            batch.withBytes(field.value) { JSONOutput.appendString($0, to: &out) }
        case .number, .boolean:
            batch.withBytes(field.value) { out.append(contentsOf: $0) }
        case .null:
            JSONOutput.appendRaw("null", to: &out)
        }
    }
}

/// Where an output holds the time of an event that had none of its own when a worker rendered it
/// (``EventTimeSource/pending``): the ordered stages learn it from the source's earlier batches and
/// overwrite the slot in place, so output bytes never move.
///
/// A slot is ``width`` bytes from the opening quote: `"2026-12-07T06:00:00.000000Z"`. The time written
/// into it keeps that width with six sub-second digits (alert heads), or takes the digits of the event
/// it was inherited from and pads with spaces after the closing quote (JSON whitespace).
public struct PendingTimeSlot: Sendable, Hashable {
    /// The bytes of a slot: a quoted RFC 3339 time with six sub-second digits.
    public static let width = 29

    /// Offset of the slot's opening quote in the output.
    public var offset: Int32
    /// Sub-second digits to write: 6 for alert heads, nil for the inherited time's own (at most 6).
    public var fixedDigits: Int8?

    public init(offset: Int, fixedDigits: Int8?) {
        self.offset = Int32(offset)
        self.fixedDigits = fixedDigits
    }

    /// Writes `time` (with `precision` sub-second digits, unless the slot fixes them) into the slot.
    public func fill(_ output: inout [UInt8], with time: Timestamp, precision: UInt8) {
        var text: [UInt8] = [UInt8(ascii: "\"")]
        time.appendRFC3339(to: &text, fractionDigits: fixedDigits.map(Int.init) ?? min(Int(precision), 6))
        text.append(UInt8(ascii: "\""))
        while text.count < Self.width { text.append(UInt8(ascii: " ")) }
        guard text.count == Self.width, Int(offset) + Self.width <= output.count else { return }
        output.replaceSubrange(Int(offset)..<Int(offset) + Self.width, with: text)
    }
}
