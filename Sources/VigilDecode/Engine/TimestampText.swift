import VigilEvent

/// Reads the date and time forms found in log lines that carry their own, for `timestamp` fields:
///
/// - RFC 3339 / ISO 8601: `2024-03-01T12:00:00.5+01:00`, also with a space for `T`, and without a zone
/// - Common Log Format: `10/Oct/2000:13:55:36 -0700`
/// - `2014/12/30 06:07:37` (nginx error logs)
/// - ctime: `Sun Dec 04 04:47:44 2005`, `Tue Sep 30 11:30:13.262255 2014` (Apache error logs, vsftpd)
///
/// A time without a zone is taken as UTC. A time vigil cannot hold (before 1677, after 2262) is no time.
enum TimestampText {
    struct Parsed {
        var time: Timestamp
        var fractionDigits: Int
        /// Whether the text named its zone (`Z`, `+01:00`, `-0700`): with a year, a complete stamp.
        var hasZone: Bool
    }

    static func parse(_ b: UnsafeRawBufferPointer) -> Parsed? {
        var c = Cursor(bytes: b)
        guard let first = c.peek() else { return nil }
        if first >= UInt8(ascii: "A") {
            return parseCTime(&c)
        }
        guard let lead = c.digits(1, 4) else { return nil }
        let separator = c.peek()
        if c.index == 4 && (separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/")) {
            return parseYearFirst(&c, year: lead)
        }
        return separator == UInt8(ascii: "/") ? parseCommonLog(&c, day: lead) : nil
    }

    /// `2024-03-01T12:00:00[.f][Z|+hh:mm]`, `2014/12/30 06:07:37`
    private static func parseYearFirst(_ c: inout Cursor, year: Int) -> Parsed? {
        guard let separator = c.next(), let month = c.digits(2, 2), c.take(separator), let day = c.digits(2, 2),
            c.take(UInt8(ascii: "T")) || c.take(UInt8(ascii: " "))
        else { return nil }
        return finish(&c, year: year, month: month, day: day)
    }

    /// `10/Oct/2000:13:55:36 -0700`
    private static func parseCommonLog(_ c: inout Cursor, day: Int) -> Parsed? {
        guard c.take(UInt8(ascii: "/")), let month = c.monthName(), c.take(UInt8(ascii: "/")), let year = c.digits(4, 4),
            c.take(UInt8(ascii: ":"))
        else { return nil }
        return finish(&c, year: year, month: month, day: day)
    }

    /// `Sun Dec 04 04:47:44[.f] 2005`
    private static func parseCTime(_ c: inout Cursor) -> Parsed? {
        c.skip(3)
        guard c.take(UInt8(ascii: " ")), let month = c.monthName() else { return nil }
        while c.take(UInt8(ascii: " ")) {}
        guard let day = c.digits(1, 2), c.take(UInt8(ascii: " ")), let clock = c.clock(), c.take(UInt8(ascii: " ")),
            let year = c.digits(4, 4), c.atEnd
        else { return nil }
        return make(year: year, month: month, day: day, clock: clock, offset: nil)
    }

    /// The clock, fraction and zone after the date.
    private static func finish(_ c: inout Cursor, year: Int, month: Int, day: Int) -> Parsed? {
        guard let clock = c.clock() else { return nil }
        var offset: Int? = nil
        _ = c.take(UInt8(ascii: " "))
        if c.take(UInt8(ascii: "Z")) || c.take(UInt8(ascii: "z")) {
            offset = 0
        } else if let sign = c.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            c.skip(1)
            guard let hours = c.digits(2, 2) else { return nil }
            _ = c.take(UInt8(ascii: ":"))
            let minutes = c.digits(2, 2) ?? 0
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard c.atEnd else { return nil }
        return make(year: year, month: month, day: day, clock: clock, offset: offset)
    }

    private static func make(year: Int, month: Int, day: Int, clock: Cursor.Clock, offset: Int?) -> Parsed? {
        let civil = CivilTime(
            year: year, month: month, day: day, hour: clock.hour, minute: clock.minute, second: clock.second,
            nanosecond: clock.nanosecond)
        guard civil.isValid, let time = Timestamp(validating: civil, utcOffsetSeconds: offset ?? 0) else { return nil }
        return Parsed(time: time, fractionDigits: clock.fractionDigits, hasZone: offset != nil)
    }
}
