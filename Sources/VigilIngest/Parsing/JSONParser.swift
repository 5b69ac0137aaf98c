import VigilEvent

extension EventParser {
    /// Deepest nesting of objects and arrays accepted; deeper input is `invalid_json` (and cannot
    /// exhaust the stack).
    static let maxJSONDepth = 64

    /// Parses one JSON object (RFC 8259) into fields, without Foundation and without allocating.
    ///
    /// Every scalar becomes a field named by its full dotted path (`id.orig_h`, `Event.EventData.Image`;
    /// a key that itself contains dots, as Zeek writes them, reads the same). Array elements become
    /// several fields with the array's name; objects inside arrays flatten under that name. Strings with
    /// escapes are decoded into bytes appended to the batch; other values point into the message, numbers
    /// as written. Header members (see ``JSONEventKeys``) also fill the event's time, host, app, pid and
    /// message.
    mutating func parseJSON(_ m: MessageBytes, into event: inout Event) -> ParseFailure? {
        let bom = m.at(0) == 0xEF && m.at(1) == 0xBB && m.at(2) == 0xBF
        let i = m.skipJSONWhitespace(from: bom ? 3 : 0)
        guard m.at(i) == ASCII.openBrace else {
            let b = m.at(i)
            let isValue =
                b == ASCII.openBracket || b == ASCII.quote || b == ASCII.dash || ASCII.isDigit(b) || b == UInt8(ascii: "t")
                || b == UInt8(ascii: "f") || b == UInt8(ascii: "n")
            return ParseFailure(isValue ? .jsonNotObject : .invalidJSON, at: i)
        }
        do {
            try parseTopObject(m, at: i, trailing: .invalidJSON)
        } catch {
            return error.failure
        }
        applyJSONHeader(to: &event)
        return nil
    }

    /// The one object at `i` (on its brace), then nothing but whitespace (else `trailing` at the first
    /// byte after it). Its members become fields; header candidates are noted afresh.
    mutating func parseTopObject(_ m: MessageBytes, at start: Int, trailing: ParseFailure.Reason) throws(ParseStop) {
        var i = start
        path.removeAll(keepingCapacity: true)
        json.header.reset()
        try parseObject(m, at: &i, depth: 1)
        i = m.skipJSONWhitespace(from: i)
        guard i == m.count else { throw ParseStop(trailing, at: i) }
    }

    /// `{ ... }` at `i` (on the brace); members are named `path.key`.
    mutating func parseObject(_ m: MessageBytes, at i: inout Int, depth: Int) throws(ParseStop) {
        guard depth <= Self.maxJSONDepth else { throw ParseStop(.invalidJSON, at: i) }
        i = m.skipJSONWhitespace(from: i + 1)
        if m.at(i) == ASCII.closeBrace {
            i += 1
            return
        }
        let prefixLength = path.count
        while true {
            guard m.at(i) == ASCII.quote else { throw ParseStop(.invalidJSON, at: i) }
            if prefixLength > 0 { path.append(ASCII.dot) }
            try appendKey(m, at: &i)
            i = m.skipJSONWhitespace(from: i)
            guard m.at(i) == ASCII.colon else { throw ParseStop(.invalidJSON, at: i) }
            i = m.skipJSONWhitespace(from: i + 1)
            try parseValue(m, at: &i, depth: depth)
            path.removeSubrange(prefixLength...)
            i = m.skipJSONWhitespace(from: i)
            let b = m.at(i)
            if b == ASCII.closeBrace {
                i += 1
                return
            }
            guard b == UInt8(ascii: ",") else { throw ParseStop(.invalidJSON, at: i) }
            i = m.skipJSONWhitespace(from: i + 1)
        }
    }

    /// `[ ... ]` at `i`: each element is a value named by the current path.
    private mutating func parseArray(_ m: MessageBytes, at i: inout Int, depth: Int) throws(ParseStop) {
        guard depth <= Self.maxJSONDepth else { throw ParseStop(.invalidJSON, at: i) }
        i = m.skipJSONWhitespace(from: i + 1)
        if m.at(i) == ASCII.closeBracket {
            i += 1
            return
        }
        while true {
            try parseValue(m, at: &i, depth: depth)
            i = m.skipJSONWhitespace(from: i)
            let b = m.at(i)
            if b == ASCII.closeBracket {
                i += 1
                return
            }
            guard b == UInt8(ascii: ",") else { throw ParseStop(.invalidJSON, at: i) }
            i = m.skipJSONWhitespace(from: i + 1)
        }
    }

    /// Any value at `i`; scalars become fields named by ``path``.
    private mutating func parseValue(_ m: MessageBytes, at i: inout Int, depth: Int) throws(ParseStop) {
        let b = m.at(i)
        let value: ByteRange
        let kind: FieldKind
        switch b {
        case ASCII.openBrace:
            try parseObject(m, at: &i, depth: depth + 1)
            return
        case ASCII.openBracket:
            try parseArray(m, at: &i, depth: depth + 1)
            return
        case ASCII.quote:
            value = try scanStringValue(m, at: &i)
            kind = .string
        case UInt8(ascii: "t"):
            guard m.matches("true", at: i) else { throw ParseStop(.invalidJSON, at: i) }
            value = m.range(i, i + 4)
            kind = .boolean
            i += 4
        case UInt8(ascii: "f"):
            guard m.matches("false", at: i) else { throw ParseStop(.invalidJSON, at: i) }
            value = m.range(i, i + 5)
            kind = .boolean
            i += 5
        case UInt8(ascii: "n"):
            guard m.matches("null", at: i) else { throw ParseStop(.invalidJSON, at: i) }
            value = m.range(i, i + 4)
            kind = .null
            i += 4
        default:
            let start = i
            var exponent = false
            guard JSONNumberText.scan(m.base, count: m.count, at: &i, exponent: &exponent) else {
                throw ParseStop(.invalidJSON, at: i)
            }
            value = m.range(start, i)
            // A number no double can hold (1e999) is valid JSON, but strict readers reject it in output.
            kind = JSONNumberText.isWithinRange(m.base + start, count: i - start, exponent: exponent) ? .number : .string
        }
        guard let name = internPath() else { return }
        appendField(name, value, kind)
        if let role = keys.role(of: name) { noteHeaderCandidate(role, value: value, kind: kind, in: m) }
    }
}

extension MessageBytes {
    @inline(__always)
    func skipJSONWhitespace(from start: Int) -> Int {
        var i = start
        while i < count {
            let b = self[i]
            guard b == ASCII.space || b == ASCII.lf || b == ASCII.cr || b == ASCII.tab else { break }
            i += 1
        }
        return i
    }
}
