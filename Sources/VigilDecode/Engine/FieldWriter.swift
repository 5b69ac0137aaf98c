import VigilEvent

/// Appends one decoder's fields to its worker's field buffer (``WorkerState/fields``), keeping the write
/// position in a register: typed values are checked (a value that fails its type is dropped and counted),
/// values listed in `null_values` dropped, `timestamp` values normalized into the derived bytes.
struct FieldWriter {
    // unowned(unsafe): the worker keeps its state alive for the writer's short life; no reference counting.
    unowned(unsafe) let state: WorkerState
    let node: UnsafePointer<DecoderTables.Node>
    var out: UnsafeMutablePointer<Field>
    var invalid: UInt64 = 0

    @inline(__always)
    init(state: WorkerState, node: UnsafePointer<DecoderTables.Node>) {
        self.state = state
        self.node = node
        out = state.fields + state.fieldCount
    }

    /// Appends the field for `length` bytes at `value` (batch offset `offset`); returns the parsed time of a
    /// `timestamp` value.
    @inline(__always)
    mutating func append(
        _ value: UnsafePointer<UInt8>, _ length: Int, at offset: Int, field name: Symbol, type: DecoderFieldType, tables: DecoderTables
    ) -> TimestampText.Parsed? {
        if node.pointee.nullValues.count > 0 && Self.isNull(value, length, node, tables) { return nil }
        let range = ByteRange(start: offset, end: offset &+ length)
        switch type {
        case .string:
            out.initialize(to: Field(name: name, value: range))
        case .int:
            guard FieldTypeCheck.isInt(value, length) else {
                invalid &+= 1
                return nil
            }
            out.initialize(to: Field(name: name, value: range, kind: Self.numberKind(value, length)))
        case .port:
            guard FieldTypeCheck.isPort(value, length) else {
                invalid &+= 1
                return nil
            }
            out.initialize(to: Field(name: name, value: range, kind: Self.numberKind(value, length)))
        case .ip:
            guard FieldTypeCheck.isIP(value, length) else {
                invalid &+= 1
                return nil
            }
            out.initialize(to: Field(name: name, value: range))
        case .timestamp:
            guard let (field, parsed) = Self.normalizedTime(value, length, name, state) else {
                invalid &+= 1
                return nil
            }
            out.initialize(to: field)
            out += 1
            return parsed
        }
        out += 1
        return nil
    }

    /// `.number` when the text is a JSON integer as it is (output verbatim); otherwise (`+5`, `04100`)
    /// `.string`, so the rendered event stays valid JSON and keeps the text.
    @inline(__always)
    static func numberKind(_ value: UnsafePointer<UInt8>, _ length: Int) -> FieldKind {
        JSONNumberText.isRenderableInteger(value, count: length) ? .number : .string
    }

    /// Stores the write position and counts the dropped values against decoder `index`.
    @inline(__always)
    func finish(_ index: Int) {
        state.fieldCount = out - state.fields
        if invalid > 0 { state.invalidFields[index] &+= invalid }
    }

    /// A `timestamp` value rewritten as RFC 3339 in the derived bytes.
    @inline(never)
    static func normalizedTime(
        _ value: UnsafePointer<UInt8>, _ length: Int, _ name: Symbol, _ state: WorkerState
    ) -> (Field, TimestampText.Parsed)? {
        guard let parsed = TimestampText.parse(UnsafeRawBufferPointer(start: value, count: length)) else { return nil }
        let start = state.derived.count
        TimestampText.appendRFC3339(parsed.time, fractionDigits: parsed.fractionDigits, to: &state.derived)
        let range = ByteRange(start: state.derivedBase &+ start, end: state.derivedBase &+ state.derived.count)
        return (Field(name: name, value: range), parsed)
    }

    @inline(__always)
    static func isNull(
        _ value: UnsafePointer<UInt8>, _ length: Int, _ node: UnsafePointer<DecoderTables.Node>, _ tables: DecoderTables
    ) -> Bool {
        for k in node.pointee.nullValues.range {
            let null = tables.nullValues[k]
            if Int(null.count) == length && tables.startsWith(value, length, null) { return true }
        }
        return false
    }
}
