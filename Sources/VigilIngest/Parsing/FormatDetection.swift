import VigilEvent

extension MessageBytes {
    /// Guesses a message's format from its first bytes, without validating it (the chosen parser does
    /// that, and a message that then fails becomes raw with the parser's reason).
    ///
    /// - `<PRI>` then a digit run followed by a space or the end: RFC 5424 (`<34>1 ...`), unless the digits
    ///   are a year (`<28>2019-12-02T...`), which is the RFC 3164 high-precision form.
    /// - `<` then a digit otherwise: RFC 3164 with PRI (a bad PRI fails there, as `invalid_priority`).
    /// - A month abbreviation, a space, then a space or digit (`Mar  1 ...`, `AUG 10 ...`): RFC 3164
    ///   without PRI, as in /var/log/auth.log.
    /// - `YYYY-MM-DDT` or `YYYY-MM-DD ` then a digit: RFC 3164 with an RFC 3339 stamp (rsyslog's
    ///   high-precision file format).
    /// - `{` (after a UTF-8 BOM, as some Windows tools write): a JSON object.
    /// - Anything else (`<html>`, plain text, a JSON array): raw, which is no failure.
    func detectFormat() -> EventFormat {
        let first = self[0]
        if first == ASCII.lessThan {
            guard ASCII.isDigit(at(1)) else { return .raw }
            var i = 1
            while i < count, ASCII.isDigit(self[i]), i < 5 { i += 1 }
            guard at(i) == ASCII.greaterThan else { return .rfc3164 }
            i += 1
            guard ASCII.isDigit(at(i)) else { return .rfc3164 }
            return looksLikeRFC3339Date(at: i) ? .rfc3164 : .rfc5424
        }
        if first == ASCII.openBrace || (first == 0xEF && at(1) == 0xBB && at(2) == 0xBF && at(3) == ASCII.openBrace) { return .json }
        if ASCII.isDigit(first) { return looksLikeRFC3339Date(at: 0) ? .rfc3164 : .raw }
        if MessageBytes.monthNumber(self, at: 0) != nil, at(3) == ASCII.space,
            at(4) == ASCII.space || ASCII.isDigit(at(4))
        {
            return .rfc3164
        }
        return .raw
    }

    /// `DDDD-DD-DD` followed by `T`, `t` or a space and a digit.
    @inline(__always)
    func looksLikeRFC3339Date(at i: Int) -> Bool {
        guard i + 11 < count, at(i + 4) == ASCII.dash, at(i + 7) == ASCII.dash,
            fixedDigits(at: i, width: 4) != nil, fixedDigits(at: i + 5, width: 2) != nil,
            fixedDigits(at: i + 8, width: 2) != nil
        else { return false }
        let separator = self[i + 10]
        return (separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == ASCII.space)
            && ASCII.isDigit(self[i + 11])
    }

    /// The month (1 ... 12) of a three-letter English abbreviation at `i`, in any letter case.
    @inline(__always)
    static func monthNumber(_ m: MessageBytes, at i: Int) -> Int? {
        guard i + 3 <= m.count else { return nil }
        // Lower-case the three letters and pack them into one integer.
        let key = (UInt32(m[i] | 0x20) << 16) | (UInt32(m[i + 1] | 0x20) << 8) | UInt32(m[i + 2] | 0x20)
        switch key {
        case 0x6a_616e: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6d_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6d_6179: return 5  // may
        case 0x6a_756e: return 6  // jun
        case 0x6a_756c: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6f_6374: return 10  // oct
        case 0x6e_6f76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }
}
