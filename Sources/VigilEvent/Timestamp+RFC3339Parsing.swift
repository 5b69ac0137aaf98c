extension Timestamp {
    /// An RFC 3339 time as the API, the alert store and `vigil tail` read it: `YYYY-MM-DD`, or
    /// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|±HH:MM)` (fraction digits past nine ignored, a leap
    /// second read as :59). Nil when malformed or outside what a `Timestamp` holds.
    ///
    /// Syslog stamps have their own, stricter parsers in VigilIngest (RFC 5424's ABNF, lenient RFC 3164
    /// variants), which report where a stamp went wrong.
    public init?(rfc3339 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Timestamp(rfc3339: $0) }) else { return nil }
        self = parsed
    }

    /// The same over UTF-8 bytes, without copying them.
    public init?(rfc3339 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<width {
                let digit = bytes[index + offset] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            index += width
            return value
        }
        func expect(_ allowed: StaticString) -> Bool {
            guard index < bytes.count else { return false }
            let byte = bytes[index]
            let allowedBytes = UnsafeBufferPointer(start: allowed.utf8Start, count: allowed.utf8CodeUnitCount)
            guard allowedBytes.contains(byte) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var civil = CivilTime(year: year, month: month, day: day)
        var offsetSeconds = 0
        if index < bytes.count {
            guard expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
                hour < 24, minute < 60, second < 61
            else { return nil }
            civil.hour = hour
            civil.minute = minute
            civil.second = min(second, 59)
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                var digits = 0
                var nanosecond = 0
                while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
                    if digits < 9 {
                        nanosecond = nanosecond * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                        digits += 1
                    }
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<9 { nanosecond *= 10 }
                civil.nanosecond = nanosecond
            }
            if expect("Zz") {
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            } else {
                return nil
            }
        }
        guard index == bytes.count, let time = Timestamp(validating: civil, utcOffsetSeconds: offsetSeconds) else { return nil }
        self = time
    }
}
