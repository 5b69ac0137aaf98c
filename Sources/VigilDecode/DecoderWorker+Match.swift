import VigilEvent
import VigilRegex

extension DecoderWorker {
    /// Tries one decoder on `subject[from...]`: the literal checks, then the prematch and the pattern. On a
    /// match, appends its fields and returns where what it leaves for its children starts (the end of its
    /// pattern match, or `from` when it has no pattern); on no match (or a match abandoned at a limit)
    /// appends nothing and returns -1.
    @inline(__always)
    mutating func tryDecoder(_ index: Int, _ subject: Subject, from: Int, event: inout Event) -> Int {
        let node = tables.nodes.baseAddress.unsafelyUnwrapped + index
        let part = subject.bytes + from
        let partCount = subject.count &- from
        if node.pointee.required.count > 0 && !tables.startsWith(part, partCount, node.pointee.required) { return -1 }
        switch node.pointee.prematchKind {
        case .none: break
        case .contains:
            if !tables.contains(
                UnsafeRawBufferPointer(start: part, count: partCount), node.pointee.literal, anchor: Int(node.pointee.anchor))
            {
                return -1
            }
        case .prefix: if !tables.startsWith(part, partCount, node.pointee.literal) { return -1 }
        case .regex:
            if !matches(node.pointee.prematchCode, node.pointee.prematchRegex.unsafelyUnwrapped, part, partCount, node: index) {
                return -1
            }
        }
        guard let pattern = node.pointee.pattern else {
            appendConstants(node)
            return from
        }
        if node.pointee.patternIsLiteral {
            let end = Int(node.pointee.required.count)
            appendConstants(node)
            return from &+ end
        }
        guard matches(node.pointee.patternCode, pattern, part, partCount, node: index) else { return -1 }
        let end = ovector[1]
        appendCaptures(node, index, part, offset: subject.offset &+ from, event: &event)
        appendConstants(node)
        return from &+ end
    }

    /// The fields of a matched pattern's groups.
    @inline(__always)
    private mutating func appendCaptures(
        _ node: UnsafePointer<DecoderTables.Node>, _ index: Int, _ part: UnsafePointer<UInt8>, offset: Int, event: inout Event
    ) {
        // Group g spans ovector[2g] ..< ovector[2g + 1]; -1 when it did not take part.
        let captures = tables.captures.baseAddress.unsafelyUnwrapped
        let span = node.pointee.captures
        let first = Int(span.start)
        let last = first &+ Int(span.count)
        if node.pointee.plainFields {
            // Untyped groups and no null values: write the ranges as they are.
            let state = self.state
            var out = state.fields + state.fieldCount
            for i in first..<last {
                let capture = captures[i]
                let lower = ovector[2 &* Int(capture.group)]
                let upper = ovector[2 &* Int(capture.group) &+ 1]
                guard lower >= 0 && upper > lower else { continue }
                out.initialize(to: Field(name: capture.field, value: ByteRange(start: offset &+ lower, end: offset &+ upper)))
                out += 1
            }
            state.fieldCount = out - state.fields
            return
        }
        var writer = FieldWriter(state: state, node: node)
        for i in first..<last {
            let capture = captures[i]
            let lower = ovector[2 &* Int(capture.group)]
            let upper = ovector[2 &* Int(capture.group) &+ 1]
            guard lower >= 0 && upper > lower else { continue }
            let time = writer.append(
                part + lower, upper &- lower, at: offset &+ lower, field: capture.field, type: capture.type, tables: tables)
            if let time, Int(node.pointee.eventTimeCapture) == i &- first, Self.takesDecodedTime(time, over: event.timeSource) {
                event.time = time.time
                event.timeSource = .decoder
                event.timePrecision = UInt8(time.fractionDigits)
            }
        }
        writer.finish(index)
    }

    /// Runs a pattern (JIT code directly when there is some); a match abandoned at a limit counts against the
    /// decoder and is a non-match.
    @inline(__always)
    private func matches(
        _ code: Regex.JITCode?, _ regex: Unmanaged<Regex>, _ part: UnsafePointer<UInt8>, _ count: Int, node: Int
    ) -> Bool {
        let result =
            if let code {
                scratch.matchJIT(code, subject: part, count: count)
            } else {
                regex._withUnsafeGuaranteedRef { scratch.match($0, in: UnsafeRawBufferPointer(start: part, count: count)) }
            }
        switch result {
        case .match: return true
        case .limitExceeded:
            state.limitExceeded[node] &+= 1
            return false
        case .noMatch, .error: return false
        }
    }

    /// Constant fields: their bytes are written once per batch and shared by every event that uses them.
    @inline(__always)
    private func appendConstants(_ node: UnsafePointer<DecoderTables.Node>) {
        let span = node.pointee.constants
        guard span.count > 0 else { return }
        let state = self.state
        for k in span.range {
            let constant = tables.constants[k]
            let id = Int(constant.id)
            let bytes = tables.bytes(tables.constantValues[id])
            let start = state.constantStart(id, bytes)
            (state.fields + state.fieldCount).initialize(
                to: Field(name: constant.field, value: ByteRange(start: start, count: bytes.count)))
            state.fieldCount &+= 1
        }
    }
}

extension DecoderWorker {
    /// Whether a decoder's `event_time` replaces the time the event has: always when the event has none;
    /// in place of an RFC 3164 header stamp (no year, no zone) when the decoded stamp is complete (year
    /// and zone, as access logs write it). RFC 5424 and JSON times, complete already, stay.
    @inline(__always)
    static func takesDecodedTime(_ time: TimestampText.Parsed, over current: EventTimeSource) -> Bool {
        switch current {
        case .received, .pending, .inherited: true
        case .header: time.hasZone
        case .message, .decoder: false
        }
    }
}
