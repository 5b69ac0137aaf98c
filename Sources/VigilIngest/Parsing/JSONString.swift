import VigilEvent

extension EventParser {
    /// A string value at `i` (on the opening quote). Without escapes its range points into the message;
    /// with escapes the decoded bytes are appended to ``derived``.
    @inline(__always)
    mutating func scanStringValue(_ m: MessageBytes, at i: inout Int) throws(ParseStop) -> ByteRange {
        let start = i + 1
        i = start
        let end = m.scanPlainJSONString(from: &i)
        if m.at(i) == ASCII.quote {
            i += 1
            return m.range(start, end)
        }
        let derivedStart = derivedPosition
        derived.append(contentsOf: m.bytes(start, i))
        try m.decodeJSONString(at: &i, into: &derived)
        return ByteRange(start: derivedStart, end: derivedPosition)
    }

    /// A member name at `i` (on the opening quote), decoded and appended to ``path``.
    @inline(__always)
    mutating func appendKey(_ m: MessageBytes, at i: inout Int) throws(ParseStop) {
        let start = i + 1
        i = start
        _ = m.scanPlainJSONString(from: &i)
        path.append(contentsOf: m.bytes(start, i))
        if m.at(i) == ASCII.quote {
            i += 1
            return
        }
        try m.decodeJSONString(at: &i, into: &path)
    }
}

extension MessageBytes {
    /// Moves `i` to the first quote, backslash, control byte or the end; returns that position.
    @inline(__always)
    func scanPlainJSONString(from i: inout Int) -> Int {
        // Eight bytes at a time while none of them is `"`, `\` or below 0x20 (SWAR test).
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let quotes = word ^ (ones &* 0x22)
            let slashes = word ^ (ones &* 0x5C)
            let hasQuote = (quotes &- ones) & ~quotes & highs
            let hasSlash = (slashes &- ones) & ~slashes & highs
            let hasControl = (word &- ones &* 0x20) & ~word & highs
            if hasQuote | hasSlash | hasControl != 0 { break }
            i += 8
        }
        while i < count {
            let b = base[i]
            if b == ASCII.quote || b == ASCII.backslash || b < 0x20 { break }
            i += 1
        }
        return i
    }

    /// Decodes the rest of a string from `i` (on a backslash or a byte that needs checking) up to and
    /// past the closing quote, appending the bytes to `out`.
    func decodeJSONString(at i: inout Int, into out: inout [UInt8]) throws(ParseStop) {
        while true {
            let runStart = i
            _ = scanPlainJSONString(from: &i)
            if i > runStart { out.append(contentsOf: bytes(runStart, i)) }
            guard i < count else { throw ParseStop(.invalidJSON, at: i) }
            let b = self[i]
            if b == ASCII.quote {
                i += 1
                return
            }
            guard b == ASCII.backslash else { throw ParseStop(.invalidJSON, at: i) }
            let escape = at(i + 1)
            i += 2
            switch escape {
            case ASCII.quote, ASCII.backslash, UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): try decodeUnicodeEscape(at: &i, into: &out)
            default: throw ParseStop(.invalidJSON, at: i - 1)
            }
        }
    }

    /// `XXXX` after `\u` (and a low surrogate's `\uXXXX` after a high one), as UTF-8. A surrogate without
    /// its partner is valid JSON but no character: it becomes U+FFFD.
    private func decodeUnicodeEscape(at i: inout Int, into out: inout [UInt8]) throws(ParseStop) {
        guard let unit = hex4(at: i) else { throw ParseStop(.invalidJSON, at: i) }
        i += 4
        var scalar = unit
        if unit >= 0xD800 && unit < 0xDC00 {
            if at(i) == ASCII.backslash && at(i + 1) == UInt8(ascii: "u"), let low = hex4(at: i + 2), low >= 0xDC00 && low < 0xE000 {
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                i += 6
            } else {
                scalar = 0xFFFD
            }
        } else if unit >= 0xDC00 && unit < 0xE000 {
            scalar = 0xFFFD
        }
        Self.appendUTF8(scalar, to: &out)
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let b = self[i + k]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
