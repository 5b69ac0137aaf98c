/// Broken-down UTC calendar fields of a ``Timestamp``.
public struct CivilTime: Hashable, Sendable {
    public var year: Int
    /// 1 ... 12
    public var month: Int
    /// 1 ... 31
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var nanosecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// ISO weekday, 1 = Monday ... 7 = Sunday.
    public var weekday: Int {
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        // 1970-01-01 was a Thursday (ISO 4).
        let w = (days + 3) % 7
        return Int(w < 0 ? w + 7 : w) + 1
    }

    /// ISO 8601 week number, 1 ... 53.
    public var isoWeek: Int {
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let thursday = days - Int64(weekday) + 4
        let thursdayYear = Timestamp.civilFromDays(thursday).year
        let jan1 = Timestamp.daysFromCivil(year: thursdayYear, month: 1, day: 1)
        return Int((thursday - jan1) / 7) + 1
    }

    /// Whether the fields name a real date and time (leap seconds excluded).
    public var isValid: Bool {
        guard (1...12).contains(month), day >= 1, hour >= 0, hour < 24, minute >= 0, minute < 60,
            second >= 0, second < 60, nanosecond >= 0, nanosecond < 1_000_000_000
        else { return false }
        return day <= CivilTime.daysInMonth(year: year, month: month)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Timestamp {
    /// The time of a civil date and time at a fixed UTC offset (`utcOffsetSeconds` east of UTC).
    public init(_ civil: CivilTime, utcOffsetSeconds: Int = 0) {
        let days = Timestamp.daysFromCivil(year: civil.year, month: civil.month, day: civil.day)
        let secs = days * 86_400 + Int64(civil.hour * 3600 + civil.minute * 60 + civil.second) - Int64(utcOffsetSeconds)
        self.init(seconds: secs, nanoseconds: Int64(civil.nanosecond))
    }

    /// The time of a civil date and time at a fixed UTC offset, or nil when it lies outside what a
    /// `Timestamp` holds (``representableSeconds``): parsers refuse such stamps instead of wrapping.
    public init?(validating civil: CivilTime, utcOffsetSeconds: Int = 0) {
        let days = Timestamp.daysFromCivil(year: civil.year, month: civil.month, day: civil.day)
        let seconds = days * 86_400 + Int64(civil.hour * 3600 + civil.minute * 60 + civil.second) - Int64(utcOffsetSeconds)
        self.init(validatingSeconds: seconds, nanoseconds: Int64(civil.nanosecond))
    }

    /// The UTC calendar fields of this time.
    public var civil: CivilTime {
        let secs = seconds
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        var c = Timestamp.civilFromDays(days)
        c.hour = Int(rem / 3600)
        c.minute = Int(rem % 3600 / 60)
        c.second = Int(rem % 60)
        c.nanosecond = Int(nanosecondOfSecond)
        return c
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> CivilTime {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return CivilTime(year: Int(y), month: Int(m), day: Int(d))
    }
}

extension Timestamp {
    /// RFC 3339 in UTC (`2024-03-01T00:00:01.123456Z`) with `fractionDigits` (0 ... 9) sub-second digits.
    public func rfc3339(fractionDigits: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        appendRFC3339(to: &out, fractionDigits: fractionDigits)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the RFC 3339 UTC form to a byte buffer without creating a String.
    public func appendRFC3339(to out: inout [UInt8], fractionDigits: Int = 0) {
        let c = civil
        let digits = min(max(fractionDigits, 0), 9)
        // Written into a stack buffer and appended at once: this runs once or more per printed event.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { text in
            var n = 0
            @inline(__always) func put(_ value: Int, width: Int) {
                var v = value
                var k = n + width
                while k > n {
                    k -= 1
                    text[k] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                    v /= 10
                }
                n += width
            }
            @inline(__always) func put(_ byte: UInt8) {
                text[n] = byte
                n += 1
            }
            if c.year < 0 || c.year > 9999 {
                out.append(contentsOf: String(c.year).utf8)
            } else {
                put(c.year, width: 4)
            }
            put(UInt8(ascii: "-"))
            put(c.month, width: 2)
            put(UInt8(ascii: "-"))
            put(c.day, width: 2)
            put(UInt8(ascii: "T"))
            put(c.hour, width: 2)
            put(UInt8(ascii: ":"))
            put(c.minute, width: 2)
            put(UInt8(ascii: ":"))
            put(c.second, width: 2)
            if digits > 0 {
                put(UInt8(ascii: "."))
                var divisor = 1
                for _ in 0..<(9 - digits) { divisor *= 10 }
                put(c.nanosecond / divisor, width: digits)
            }
            put(UInt8(ascii: "Z"))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<n]))
        }
    }
}
