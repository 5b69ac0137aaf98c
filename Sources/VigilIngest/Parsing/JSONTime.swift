import VigilEvent

extension EventParser {
    /// The time a JSON member gives, with its sub-second precision, or nil when it reads as none.
    ///
    /// Strings: RFC 3339 (`2024-03-01T00:00:01.123456Z`; also `t`/space for `T`, and without offset in
    /// the configured zone, as OTRF's `2020-10-18 07:50:06.220`), or an epoch number in quotes.
    /// Numbers: epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude (seconds
    /// below 10^11, i.e. until year 5138), with a fraction allowed (Zeek's `ts` is `1664462456.755299`).
    mutating func jsonTime(_ value: ByteRange, kind: FieldKind, in m: MessageBytes) -> JSONTimeValue? {
        // Values decoded into derived bytes (escaped strings) are never times worth reading.
        guard kind == .string || kind == .number, value.lowerBound >= m.offset, value.upperBound <= m.offset + m.count,
            !value.isEmpty
        else { return nil }
        let v = MessageBytes(base: m.base + (value.lowerBound - m.offset), count: value.count, offset: value.lowerBound)
        if kind == .string && v.looksLikeRFC3339Date(at: 0) {
            var i = 0
            guard let t = v.parseRFC3339(at: &i, rules: .lenient), i == v.count else { return nil }
            let local = t.localSeconds
            let seconds = t.utcOffsetSeconds.map { local - Int64($0) } ?? zone.utcSeconds(fromLocal: local)
            guard let time = Timestamp(validatingSeconds: seconds, nanoseconds: Int64(t.nanosecond)) else { return .outOfRange }
            return .time(time, t.precision)
        }
        return v.epochTime()
    }
}

/// What a JSON time member holds.
enum JSONTimeValue: Equatable {
    /// A time and the sub-second digits it was written with.
    case time(Timestamp, UInt8)
    /// A well-formed time that lies outside what a ``Timestamp`` holds (an epoch number too large for
    /// nanoseconds, a year after 2262).
    case outOfRange
}

extension MessageBytes {
    /// The whole buffer as `-?digits[.digits]`, scaled by magnitude to nanoseconds since the epoch.
    func epochTime() -> JSONTimeValue? {
        var i = 0
        let negative = at(0) == ASCII.dash
        if negative { i = 1 }
        let integerStart = i
        var integer: Int64 = 0
        var overflow = false
        while i < count, ASCII.isDigit(self[i]) {
            let (times10, o1) = integer.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(self[i] &- 0x30))
            if o1 || o2 { overflow = true }
            integer = next
            i += 1
        }
        guard i > integerStart else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if at(i) == ASCII.dot {
            i += 1
            let fractionStart = i
            while i < count, ASCII.isDigit(self[i]) {
                if fractionDigits < 9 {
                    fraction = fraction * 10 + Int64(self[i] &- 0x30)
                    fractionDigits += 1
                }
                i += 1
            }
            guard i > fractionStart else { return nil }
        }
        guard i == count else { return nil }
        // A number, but more than even nanoseconds since the epoch can count.
        if overflow { return .outOfRange }

        // Nanoseconds per unit and the digits that unit already implies.
        let (unit, unitDigits): (Int64, Int) =
            switch integer {
            case ..<100_000_000_000: (1_000_000_000, 0)
            case ..<100_000_000_000_000: (1_000_000, 3)
            case ..<100_000_000_000_000_000: (1_000, 6)
            default: (1, 9)
            }
        // Keep only the fraction digits that still mean something at nanosecond resolution.
        let usable = min(fractionDigits, 9 - unitDigits)
        for _ in usable..<fractionDigits { fraction /= 10 }
        var scale: Int64 = unit
        for _ in 0..<usable { scale /= 10 }
        let (whole, tooLarge) = integer.multipliedReportingOverflow(by: unit)
        guard !tooLarge, whole <= Int64.max - 1_000_000_000 else { return .outOfRange }
        let nanos = whole + fraction * scale
        let time = Timestamp(nanoseconds: negative ? -nanos : nanos)
        guard Timestamp.representableSeconds.contains(time.seconds) else { return .outOfRange }
        return .time(time, UInt8(unitDigits + usable))
    }
}
