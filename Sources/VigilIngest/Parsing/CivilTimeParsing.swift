import VigilEvent

/// A calendar time read from a message, before it is placed on the time line (which may need the
/// configured zone, or a year inferred from the receive time).
struct ParsedCivilTime {
    var year = 0
    var month = 0
    var day = 0
    var hour = 0
    var minute = 0
    var second = 0
    var nanosecond = 0
    /// Sub-second digits written (0 ... 9).
    var precision: UInt8 = 0
    /// The offset the stamp carried (`Z` is 0), or nil when it had none.
    var utcOffsetSeconds: Int?

    /// Seconds since the epoch of this wall-clock time read as if it were UTC.
    @inline(__always)
    var localSeconds: Int64 {
        Timestamp.daysFromCivil(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    @inline(__always)
    var isValidTimeOfDay: Bool { hour < 24 && minute < 60 && second < 60 }

    @inline(__always)
    var isValidDate: Bool {
        month >= 1 && month <= 12 && day >= 1 && day <= CivilTime.daysInMonth(year: year, month: month)
    }
}

/// Which RFC 3339 spellings a format accepts.
struct RFC3339Rules {
    /// RFC 5424 allows 1 to 6 sub-second digits; elsewhere up to 9 are kept (more are read and dropped).
    var maxFractionDigits: Int
    /// `t`, `z` and a space between date and time (RFC 3339 permits them; RFC 5424 does not).
    var lenientSpelling: Bool
    var requiresOffset: Bool

    /// RFC 5424 TIMESTAMP, exactly as its ABNF says.
    static let rfc5424 = RFC3339Rules(maxFractionDigits: 6, lenientSpelling: false, requiresOffset: true)
    /// RFC 3164 with a high-precision stamp (rsyslog), JSON time members.
    static let lenient = RFC3339Rules(maxFractionDigits: 64, lenientSpelling: true, requiresOffset: false)
}

extension MessageBytes {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)` at `i`. On success `i` is just past the stamp; on
    /// failure it is where the stamp went wrong.
    func parseRFC3339(at i: inout Int, rules: RFC3339Rules) -> ParsedCivilTime? {
        var t = ParsedCivilTime()
        guard let year = fixedDigits(at: i, width: 4) else { return nil }
        t.year = year
        i += 4
        guard at(i) == ASCII.dash, let month = fixedDigits(at: i + 1, width: 2) else { return nil }
        i += 1
        guard month >= 1 && month <= 12 else { return nil }
        t.month = month
        i += 2
        guard at(i) == ASCII.dash, let day = fixedDigits(at: i + 1, width: 2) else { return nil }
        t.day = day
        i += 3
        guard t.isValidDate else {
            i -= 2
            return nil
        }
        let separator = at(i)
        guard separator == UInt8(ascii: "T") || (rules.lenientSpelling && (separator == UInt8(ascii: "t") || separator == ASCII.space))
        else { return nil }
        i += 1
        guard parseClock(at: &i, into: &t) else { return nil }
        if at(i) == ASCII.dot {
            i += 1
            guard parseFraction(at: &i, into: &t, maxDigits: rules.maxFractionDigits) else { return nil }
        }
        let z = at(i)
        if z == UInt8(ascii: "Z") || (rules.lenientSpelling && z == UInt8(ascii: "z")) {
            t.utcOffsetSeconds = 0
            i += 1
        } else if z == ASCII.plus || z == ASCII.dash {
            guard let offset = parseOffset(at: &i, lenient: rules.lenientSpelling) else { return nil }
            t.utcOffsetSeconds = offset
        } else if rules.requiresOffset {
            return nil
        }
        return t
    }

    /// `HH:MM:SS` at `i`.
    @inline(__always)
    func parseClock(at i: inout Int, into t: inout ParsedCivilTime) -> Bool {
        guard let hour = fixedDigits(at: i, width: 2), at(i + 2) == ASCII.colon,
            let minute = fixedDigits(at: i + 3, width: 2), at(i + 5) == ASCII.colon,
            let second = fixedDigits(at: i + 6, width: 2)
        else { return false }
        t.hour = hour
        t.minute = minute
        t.second = second
        guard t.isValidTimeOfDay else { return false }
        i += 8
        return true
    }

    /// The digits after a `.`: at least one, at most `maxDigits`; digits beyond nanoseconds are dropped.
    @inline(__always)
    func parseFraction(at i: inout Int, into t: inout ParsedCivilTime, maxDigits: Int) -> Bool {
        var digits = 0
        var nanos = 0
        while i < count, ASCII.isDigit(self[i]) {
            if digits < 9 { nanos = nanos * 10 + Int(self[i] &- 0x30) }
            digits += 1
            i += 1
            if digits > maxDigits { return false }
        }
        guard digits > 0 else { return false }
        let kept = min(digits, 9)
        for _ in kept..<9 { nanos *= 10 }
        t.nanosecond = nanos
        t.precision = UInt8(kept)
        return true
    }

    /// `+HH:MM` / `-HH:MM` (lenient: also `+HHMM` and `+HH`), as seconds east of UTC.
    func parseOffset(at i: inout Int, lenient: Bool) -> Int? {
        let sign = self[i] == ASCII.dash ? -1 : 1
        i += 1
        guard let hours = fixedDigits(at: i, width: 2), hours < 24 else { return nil }
        i += 2
        var minutes = 0
        if at(i) == ASCII.colon {
            guard let m = fixedDigits(at: i + 1, width: 2) else {
                i += 1
                return nil
            }
            minutes = m
            i += 3
        } else if lenient, let m = fixedDigits(at: i, width: 2) {
            minutes = m
            i += 2
        } else if !lenient {
            return nil
        }
        guard minutes < 60 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
