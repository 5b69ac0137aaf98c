import VigilEvent

extension EventParser {
    /// Parses RFC 5424 STRUCTURED-DATA at `i`: `-`, or one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`.
    ///
    /// Each parameter becomes a string field named `SD-ID.PARAM-NAME` (`exampleSDID@32473.eventSource`).
    /// Names are 1 to 32 printable US-ASCII bytes other than `=`, space, `]` and `"`. In values, `"`, `\`
    /// and `]` must be escaped with `\` and no other escape exists (as go-syslog enforces); a value with
    /// escapes is unescaped into bytes appended to the batch, other values point into the message. An
    /// SD-ID may appear only once per message (RFC 5424 §6.3.2).
    mutating func parseStructuredData(_ m: MessageBytes, at i: inout Int) -> ParseFailure? {
        if m.at(i) == ASCII.dash {
            i += 1
            return nil
        }
        guard m.at(i) == ASCII.openBracket else { return ParseFailure(.invalidStructuredData, at: i) }
        structuredDataIDs.removeAll(keepingCapacity: true)
        while m.at(i) == ASCII.openBracket {
            i += 1
            let idStart = i
            guard m.scanSDName(at: &i) else { return ParseFailure(.invalidStructuredData, at: i) }
            let id = idStart..<i
            for earlier in structuredDataIDs
            where m.bytes(earlier.lowerBound, earlier.upperBound).elementsEqual(m.bytes(id.lowerBound, id.upperBound)) {
                return ParseFailure(.invalidStructuredData, at: idStart)
            }
            structuredDataIDs.append(id)
            while true {
                let b = m.at(i)
                if b == ASCII.closeBracket {
                    i += 1
                    break
                }
                guard b == ASCII.space else { return ParseFailure(.invalidStructuredData, at: i) }
                i += 1
                let nameStart = i
                guard m.scanSDName(at: &i) else { return ParseFailure(.invalidStructuredData, at: i) }
                let nameEnd = i
                guard m.at(i) == ASCII.equals, m.at(i + 1) == ASCII.quote else { return ParseFailure(.invalidStructuredData, at: i) }
                i += 2
                guard let value = scanParamValue(m, at: &i) else { return ParseFailure(.invalidStructuredData, at: i) }
                path.removeAll(keepingCapacity: true)
                path.append(contentsOf: m.bytes(id.lowerBound, id.upperBound))
                path.append(ASCII.dot)
                path.append(contentsOf: m.bytes(nameStart, nameEnd))
                if let name = internPath() { appendField(name, value, .string) }
            }
        }
        return nil
    }

    /// A PARAM-VALUE up to its closing quote (consumed). Returns the value's batch range.
    @inline(__always)
    private mutating func scanParamValue(_ m: MessageBytes, at i: inout Int) -> ByteRange? {
        let start = i
        var escapes = false
        while i < m.count {
            let b = m[i]
            if b == ASCII.quote { break }
            if b == ASCII.closeBracket { return nil }
            if b == ASCII.backslash {
                let next = m.at(i + 1)
                guard next == ASCII.quote || next == ASCII.backslash || next == ASCII.closeBracket else { return nil }
                escapes = true
                i += 2
                continue
            }
            i += 1
        }
        guard i < m.count else { return nil }
        let end = i
        i += 1
        guard escapes else { return m.range(start, end) }
        let derivedStart = derivedPosition
        var k = start
        while k < end {
            if m[k] == ASCII.backslash { k += 1 }
            derived.append(m[k])
            k += 1
        }
        return ByteRange(start: derivedStart, end: derivedPosition)
    }
}

extension MessageBytes {
    /// SD-NAME: 1 to 32 printable US-ASCII bytes except `=`, space, `]` and `"`.
    @inline(__always)
    func scanSDName(at i: inout Int) -> Bool {
        let start = i
        while i < count {
            let b = self[i]
            guard ASCII.isPrintable(b), b != ASCII.equals, b != ASCII.closeBracket, b != ASCII.quote else { break }
            i += 1
            if i - start > 32 { return false }
        }
        return i > start
    }
}
