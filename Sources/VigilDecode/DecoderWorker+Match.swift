import VigilEvent
import VigilRegex

extension DecoderWorker {
    /// Tries one decoder on `subject[from...]`: the literal checks, then the prematch and the pattern. On a
    /// match, appends its fields and returns where what it leaves for its children starts (the end of its
    /// pattern match, or `from` when it has no pattern); on no match (or a match abandoned at a limit)
    /// appends nothing and returns nil.
    @inline(__always)
    mutating func tryDecoder(
        _ index: Int, _ subject: UnsafeRawBufferPointer, from: Int, base: Int, event: inout Event, fields: inout [Field]
    ) -> Int? {
        let node = tables.nodes.baseAddress.unsafelyUnwrapped.advanced(by: index).pointee
        let part = UnsafeRawBufferPointer(rebasing: subject[from...])
        if node.required.count > 0 && !tables.startsWith(part, node.required) { return nil }
        switch node.prematchKind {
        case .none: break
        case .contains: if !tables.contains(part, node.literal, anchor: Int(node.anchor)) { return nil }
        case .prefix: if !tables.startsWith(part, node.literal) { return nil }
        case .regex: if !matches(node.prematchRegex!, part, node: index) { return nil }
        }
        guard let pattern = node.pattern else {
            appendConstants(node, fields: &fields)
            return from
        }
        if node.patternIsLiteral {
            appendConstants(node, fields: &fields)
            return from + Int(node.required.count)
        }
        guard matches(pattern, part, node: index) else { return nil }
        // Group g spans ovector[2g] ..< ovector[2g + 1]; -1 when it did not take part.
        let ovector = scratch.ovector
        let offset = base + from
        for i in node.captures.range {
            let capture = tables.captures[i]
            let lower = ovector[2 * Int(capture.group)]
            let upper = ovector[2 * Int(capture.group) + 1]
            guard lower >= 0 && upper > lower else { continue }
            let range = lower..<upper
            let value = UnsafeRawBufferPointer(rebasing: part[range])
            if node.nullValues.count > 0 && isNull(value, node) { continue }
            var field = Field(name: capture.field, value: ByteRange(start: offset + range.lowerBound, end: offset + range.upperBound))
            switch capture.type {
            case .string: break
            case .int, .port:
                guard capture.type == .int ? FieldTypeCheck.isInt(value) : FieldTypeCheck.isPort(value) else {
                    counters.invalidFields[index] &+= 1
                    continue
                }
                field.kind = .number
            case .ip:
                guard FieldTypeCheck.isIP(value) else {
                    counters.invalidFields[index] &+= 1
                    continue
                }
            case .timestamp:
                guard let parsed = TimestampText.parse(value) else {
                    counters.invalidFields[index] &+= 1
                    continue
                }
                let start = derived.count
                TimestampText.appendRFC3339(parsed.time, fractionDigits: parsed.fractionDigits, to: &derived)
                field.value = ByteRange(start: start, end: derived.count)
                relocations.append(Int32(fields.count))
                if Int(node.eventTimeCapture) == i - Int(node.captures.start) && !event.hasOwnTime {
                    event.time = parsed.time
                    event.hasOwnTime = true
                    event.timePrecision = UInt8(parsed.fractionDigits)
                }
            }
            fields.append(field)
        }
        appendConstants(node, fields: &fields)
        return from + ovector[1]
    }

    /// Runs a pattern; a match abandoned at a limit counts against the decoder and is a non-match.
    @inline(__always)
    private mutating func matches(_ regex: Unmanaged<Regex>, _ part: UnsafeRawBufferPointer, node: Int) -> Bool {
        let result = regex._withUnsafeGuaranteedRef { scratch.match($0, in: part) }
        switch result {
        case .match: return true
        case .limitExceeded:
            counters.limitExceeded[node] &+= 1
            return false
        case .noMatch, .error: return false
        }
    }

    @inline(__always)
    private func isNull(_ value: UnsafeRawBufferPointer, _ node: DecoderTables.Node) -> Bool {
        for k in node.nullValues.range {
            let null = tables.bytes(tables.nullValues[k])
            if null.count == value.count && null.elementsEqual(value) { return true }
        }
        return false
    }

    /// Constant fields: their bytes are written once per batch and shared by every event that uses them.
    @inline(__always)
    private mutating func appendConstants(_ node: DecoderTables.Node, fields: inout [Field]) {
        for k in node.constants.range {
            let constant = tables.constants[k]
            let id = Int(constant.id)
            let bytes = tables.bytes(tables.constantValues[id])
            var start = Int(constantOffsets[id])
            if start < 0 {
                start = derived.count
                derived.append(contentsOf: bytes)
                constantOffsets[id] = Int32(start)
            }
            relocations.append(Int32(fields.count))
            fields.append(Field(name: constant.field, value: ByteRange(start: start, count: bytes.count)))
        }
    }
}
