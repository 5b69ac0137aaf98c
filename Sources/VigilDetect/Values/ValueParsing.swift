/// Byte-level readers for the numeric and date modifiers: event values stay bytes until a modifier
/// needs a number or a date part.
enum ValueParsing {
    /// A decimal number (`42`, `-1.5`, `3e2`), or nil when the bytes are no number.
    static func number(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let n = bytes.count
        guard n > 0, n < 64 else { return nil }
        var i = 0
        var sawDigit = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { i = 1 }
        var integer: Int64 = 0
        var simple = true
        while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            sawDigit = true
            if integer < 100_000_000_000_000_000 {
                integer = integer * 10 + Int64(bytes[i] - 0x30)
            } else {
                simple = false
            }
            i += 1
        }
        if i == n {
            guard sawDigit else { return nil }
            if simple { return Double(bytes[0] == UInt8(ascii: "-") ? -integer : integer) }
        }
        // Fractions and exponents: validate the grammar, then let the standard library convert.
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            var expDigits = 0
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
        }
        guard i == n else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The parts of a date-time written `YYYY-MM-DD`, optionally followed by `T` or a space and
    /// `HH:MM[:SS[.fraction]]` and a zone. Parts are read as written: the spec's time modifiers do
    /// no zone conversion.
    struct DateParts: Equatable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
    }

    static func dateParts(_ bytes: UnsafeRawBufferPointer) -> DateParts? {
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var v = 0
            for k in start..<start + count {
                let b = bytes[k]
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let month = digits(5, 2), let day = digits(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var parts = DateParts(year: year, month: month, day: day, hour: 0, minute: 0)
        if bytes.count == 10 { return parts }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
            let hour = digits(11, 2), bytes.count >= 16, bytes[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
            hour < 24, minute < 60
        else { return nil }
        parts.hour = hour
        parts.minute = minute
        return parts
    }

    /// ISO 8601 week number (1 ... 53) of a calendar date.
    static func isoWeek(year: Int, month: Int, day: Int) -> Int {
        let ordinal = dayOfYear(year: year, month: month, day: day)
        let weekday = isoWeekday(year: year, month: month, day: day)  // 1 = Monday
        let week = (ordinal - weekday + 10) / 7
        if week < 1 { return weeksInYear(year - 1) }
        if week > weeksInYear(year) { return 1 }
        return week
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func dayOfYear(year: Int, month: Int, day: Int) -> Int {
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return cumulative[month - 1] + day + (month > 2 && isLeap(year) ? 1 : 0)
    }

    /// 1 = Monday ... 7 = Sunday (Sakamoto's method).
    static func isoWeekday(year: Int, month: Int, day: Int) -> Int {
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let sundayBased = (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7  // 0 = Sunday
        return sundayBased == 0 ? 7 : sundayBased
    }

    static func weeksInYear(_ year: Int) -> Int {
        func p(_ y: Int) -> Int { (y + y / 4 - y / 100 + y / 400) % 7 }
        return p(year) == 4 || p(year - 1) == 3 ? 53 : 52
    }
}
