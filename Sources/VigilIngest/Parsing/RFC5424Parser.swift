import VigilEvent

extension EventParser {
    /// Parses RFC 5424 strictly by its ABNF (§6):
    /// `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`.
    ///
    /// VERSION is 1 to 999 (validated, not kept); TIMESTAMP is `-` or RFC 3339 with at most 6 sub-second
    /// digits and an offset; header fields are `-` or printable US-ASCII of at most 255 / 48 / 128 / 32
    /// bytes. Structured data becomes fields named `SDID.param` (see ``parseStructuredData(_:at:)``). A
    /// leading BOM is no part of ``Event/message``; with ``ParserOptions/strictMessageEncoding`` the text
    /// after a BOM must be valid UTF-8, as the RFC requires.
    mutating func parseRFC5424(_ m: MessageBytes, into event: inout Event) -> ParseFailure? {
        var i = 0
        guard m.parsePriority(at: &i, into: &event) else { return ParseFailure(.invalidPriority, at: i) }
        guard m.at(i) &- 0x31 < 9 else { return ParseFailure(.invalidVersion, at: i) }
        i += 1
        var digits = 1
        while i < m.count, ASCII.isDigit(m[i]) {
            digits += 1
            i += 1
        }
        guard digits <= 3 else { return ParseFailure(.invalidVersion, at: i - 1) }
        if let failure = m.expectSpace(at: &i, else: .invalidVersion) { return failure }

        if m.at(i) == ASCII.dash {
            i += 1
        } else {
            let stampStart = i
            guard let time = m.parseRFC3339(at: &i, rules: .rfc5424) else { return ParseFailure(.invalidTimestamp, at: i) }
            guard
                let stamp = Timestamp(
                    validatingSeconds: time.localSeconds - Int64(time.utcOffsetSeconds ?? 0), nanoseconds: Int64(time.nanosecond))
            else { return ParseFailure(.timeOutOfRange, at: stampStart) }
            event.time = stamp
            event.timeSource = .message
            event.timePrecision = time.precision
        }
        if let failure = m.expectSpace(at: &i, else: .invalidTimestamp) { return failure }

        do {
            event.host = try m.headerField(at: &i, maxLength: 255, reason: .invalidHostname)
            event.app = try m.headerField(at: &i, maxLength: 48, reason: .invalidAppName)
            event.pid = try m.headerField(at: &i, maxLength: 128, reason: .invalidProcID)
            event.msgid = try m.headerField(at: &i, maxLength: 32, reason: .invalidMsgID)
        } catch {
            return error.failure
        }

        if let failure = parseStructuredData(m, at: &i) { return failure }
        guard i < m.count else { return nil }
        guard m[i] == ASCII.space else { return ParseFailure(.invalidStructuredData, at: i) }
        i += 1
        if m.at(i) == 0xEF && m.at(i + 1) == 0xBB && m.at(i + 2) == 0xBF {
            i += 3
            if options.strictMessageEncoding, let bad = m.firstInvalidUTF8(from: i) {
                return ParseFailure(.invalidMessageEncoding, at: bad)
            }
        }
        if i < m.count { event.message = m.range(i, m.count) }
        return nil
    }
}

/// A parse failure thrown (typed, so without allocation) out of nested helpers.
struct ParseStop: Error {
    var failure: ParseFailure

    @inline(__always)
    init(_ reason: ParseFailure.Reason, at offset: Int) { failure = ParseFailure(reason, at: offset) }
}

extension MessageBytes {
    /// A header field and the space after it: `-`, or 1 to `maxLength` printable US-ASCII bytes.
    /// Returns nil for `-`.
    @inline(__always)
    func headerField(at i: inout Int, maxLength: Int, reason: ParseFailure.Reason) throws(ParseStop) -> ByteRange? {
        let start = i
        let limit = Swift.min(count, start + maxLength + 1)
        while i < limit, ASCII.isPrintable(self[i]) { i += 1 }
        let end = i
        if end == start || end - start > maxLength { throw ParseStop(reason, at: end) }
        if let failure = expectSpace(at: &i, else: reason) { throw ParseStop(failure.reason, at: Int(failure.offset)) }
        if end - start == 1 && self[start] == ASCII.dash { return nil }
        return range(start, end)
    }

    /// Moves past the space at `i`; the end of the message there means the header is incomplete.
    @inline(__always)
    func expectSpace(at i: inout Int, else reason: ParseFailure.Reason) -> ParseFailure? {
        if i >= count { return ParseFailure(.missingHeaderField, at: i) }
        if self[i] != ASCII.space { return ParseFailure(reason, at: i) }
        i += 1
        return nil
    }
}
