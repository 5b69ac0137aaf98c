extension EventBatch {
    /// Appends an event in vigil's normalized JSON form (no trailing newline): the object `vigil parse`
    /// prints and alerts embed as `event`.
    ///
    /// Keys: `time` (RFC 3339 UTC, the input's sub-second precision up to microseconds), `host`, `app`,
    /// `pid`, `msgid` (RFC 5424 only), `facility`, `severity`, `msg`, `format`, `decoder` (when one
    /// matched), `fields` (parsed and decoded; a repeated name becomes an array) and `error` (when
    /// parsing failed).
    public func appendJSON(of event: Event, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONOutput.appendKey("time", to: &out)
        out.append(UInt8(ascii: "\""))
        event.time.appendRFC3339(to: &out, fractionDigits: min(Int(event.timePrecision), 6))
        out.append(UInt8(ascii: "\""))
        appendOptionalText("host", event.host, to: &out)
        appendOptionalText("app", event.app, to: &out)
        appendOptionalText("pid", event.pid, to: &out)
        if event.format == .rfc5424 { appendOptionalText("msgid", event.msgid, to: &out) }
        out.append(contentsOf: ",\"facility\":".utf8)
        if let f = event.facility { JSONOutput.appendInteger(f, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: ",\"severity\":".utf8)
        if let s = event.severity { JSONOutput.appendInteger(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
        appendOptionalText("msg", event.message, to: &out)
        out.append(contentsOf: ",\"format\":\"".utf8)
        out.append(contentsOf: event.format.name.utf8)
        out.append(UInt8(ascii: "\""))
        if let decoder = event.decoder {
            out.append(UInt8(ascii: ","))
            JSONOutput.appendKey("decoder", to: &out)
            JSONOutput.appendString(decoder.name, to: &out)
        }
        out.append(contentsOf: ",\"fields\":".utf8)
        appendFieldsObject(of: event, to: &out)
        if let failure = event.parseFailure {
            out.append(UInt8(ascii: ","))
            JSONOutput.appendKey("error", to: &out)
            JSONOutput.appendString(failure.description, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The normalized JSON of an event as a String.
    public func json(of event: Event) -> String {
        var out: [UInt8] = []
        appendJSON(of: event, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func appendOptionalText(_ key: String, _ range: ByteRange?, to out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        JSONOutput.appendKey(key, to: &out)
        if let range {
            withBytes(range) { JSONOutput.appendString($0, to: &out) }
        } else {
            out.append(contentsOf: "null".utf8)
        }
    }

    /// `{"name": value, ...}` with decoded fields overriding parsed ones of the same name and repeated
    /// names (JSON arrays) gathered into arrays, in first-appearance order.
    private func appendFieldsObject(of event: Event, to out: inout [UInt8]) {
        var order: [Symbol] = []
        var values: [Symbol: [Field]] = [:]
        var decodedNames = Set<Symbol>()
        for i in event.decodedFields.range { decodedNames.insert(fields[i].name) }
        for span in [event.fields, event.decodedFields] {
            let fromDecoder = span == event.decodedFields
            for i in span.range {
                let f = fields[i]
                if !fromDecoder && decodedNames.contains(f.name) { continue }
                if values[f.name] == nil { order.append(f.name) }
                values[f.name, default: []].append(f)
            }
        }
        out.append(UInt8(ascii: "{"))
        for (n, name) in order.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendKey(name.name, to: &out)
            let list = values[name]!
            if list.count == 1 {
                appendValue(list[0], to: &out)
            } else {
                out.append(UInt8(ascii: "["))
                for (k, f) in list.enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    appendValue(f, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    private func appendValue(_ field: Field, to out: inout [UInt8]) {
        switch field.kind {
        case .string:
            withBytes(field.value) { JSONOutput.appendString($0, to: &out) }
        case .number, .boolean:
            withBytes(field.value) { out.append(contentsOf: $0) }
        case .null:
            out.append(contentsOf: "null".utf8)
        }
    }
}
