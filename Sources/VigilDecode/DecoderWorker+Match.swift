import VigilEvent
import VigilRegex

#if canImport(Glibc)
    import Glibc
#endif

extension DecoderWorker {
    /// Tries one decoder on `subject[from...]`: prematch, then pattern. On a match, appends its fields and
    /// returns where what it leaves for its children starts (the end of its pattern match, or `from` when
    /// it has no pattern); on no match (or a match abandoned at a limit) appends nothing and returns nil.
    @inline(__always)
    mutating func tryDecoder(
        _ node: Int, _ subject: UnsafeRawBufferPointer, from: Int, base: Int, event: inout Event, fields: inout [Field]
    ) -> Int? {
        let decoder = storage.nodes[node]
        let part = UnsafeRawBufferPointer(rebasing: subject[from...])
        switch decoder.prematch {
        case .none: break
        case .contains(let literal):
            if !literal.occurs(in: part) { return nil }
        case .prefix(let literal):
            if part.count < literal.count { return nil }
            let same = literal.withUnsafeBytes { l in memcmp(part.baseAddress!, l.baseAddress!, l.count) == 0 }
            if !same { return nil }
        case .regex(let regex):
            guard matches(regex, part, node: node) else { return nil }
        }
        guard let pattern = decoder.pattern else {
            appendConstants(decoder, fields: &fields)
            return from
        }
        guard matches(pattern, part, node: node), let whole = scratch.range(ofGroup: 0) else { return nil }
        let offset = base + from
        for (i, capture) in decoder.captures.enumerated() {
            guard let range = scratch.range(ofGroup: capture.group), !range.isEmpty else { continue }
            let value = UnsafeRawBufferPointer(rebasing: part[range])
            if !decoder.nullValues.isEmpty && decoder.nullValues.contains(where: { $0.elementsEqual(value) }) { continue }
            var field = Field(name: capture.field, value: ByteRange(start: offset + range.lowerBound, end: offset + range.upperBound))
            switch capture.type {
            case .string: break
            case .int, .port:
                guard capture.type == .int ? FieldTypeCheck.isInt(value) : FieldTypeCheck.isPort(value) else {
                    counters.invalidFields[node] &+= 1
                    continue
                }
                field.kind = .number
            case .ip:
                guard FieldTypeCheck.isIP(value) else {
                    counters.invalidFields[node] &+= 1
                    continue
                }
            case .timestamp:
                guard let parsed = TimestampText.parse(value) else {
                    counters.invalidFields[node] &+= 1
                    continue
                }
                let start = derived.count
                TimestampText.appendRFC3339(parsed.time, fractionDigits: parsed.fractionDigits, to: &derived)
                field.value = ByteRange(start: start, end: derived.count)
                relocations.append(Int32(fields.count))
                if decoder.eventTimeCapture == i && !event.hasOwnTime {
                    event.time = parsed.time
                    event.hasOwnTime = true
                    event.timePrecision = UInt8(parsed.fractionDigits)
                }
            }
            fields.append(field)
        }
        appendConstants(decoder, fields: &fields)
        return from + whole.upperBound
    }

    /// Runs a pattern; a match abandoned at a limit counts against the decoder and is a non-match.
    @inline(__always)
    private mutating func matches(_ regex: Regex, _ part: UnsafeRawBufferPointer, node: Int) -> Bool {
        switch scratch.match(regex, in: part) {
        case .match: return true
        case .limitExceeded:
            counters.limitExceeded[node] &+= 1
            return false
        case .noMatch, .error: return false
        }
    }

    /// Constant fields: their bytes are written once per batch and shared by every event that uses them.
    @inline(__always)
    private mutating func appendConstants(_ decoder: DecoderNode, fields: inout [Field]) {
        for constant in decoder.constants {
            var start = Int(constantOffsets[constant.constant])
            let bytes = storage.constants[constant.constant]
            if start < 0 {
                start = derived.count
                derived += bytes
                constantOffsets[constant.constant] = Int32(start)
            }
            relocations.append(Int32(fields.count))
            fields.append(Field(name: constant.field, value: ByteRange(start: start, count: bytes.count)))
        }
    }
}
