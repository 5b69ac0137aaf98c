import VigilEvent

extension TimestampText {
    /// A forward reader over the bytes of a time stamp.
    struct Cursor {
        struct Clock {
            var hour: Int
            var minute: Int
            var second: Int
            var nanosecond: Int
            var fractionDigits: Int
        }

        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        var atEnd: Bool { index >= bytes.count }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func next() -> UInt8? {
            defer { index += 1 }
            return peek()
        }

        mutating func skip(_ n: Int) { index = min(index + n, bytes.count) }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        /// A decimal number of `min` to `max` digits.
        mutating func digits(_ min: Int, _ max: Int) -> Int? {
            var value = 0
            var n = 0
            while n < max, let c = peek(), c &- UInt8(ascii: "0") < 10 {
                value = value * 10 + Int(c &- UInt8(ascii: "0"))
                index += 1
                n += 1
            }
            return n >= min ? value : nil
        }

        /// `Jan` ... `Dec` (case-insensitive), as 1 ... 12.
        mutating func monthName() -> Int? {
            guard index + 3 <= bytes.count else { return nil }
            let key = (UInt32(bytes[index] | 0x20) << 16) | (UInt32(bytes[index + 1] | 0x20) << 8) | UInt32(bytes[index + 2] | 0x20)
            guard let month = Self.months.firstIndex(of: key) else { return nil }
            index += 3
            return month + 1
        }

        private static let months: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            .map { name in name.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }

        /// `HH:MM:SS` with an optional `.fraction` (up to nanoseconds; more digits are read and dropped).
        mutating func clock() -> Clock? {
            guard let hour = digits(2, 2), take(UInt8(ascii: ":")), let minute = digits(2, 2), take(UInt8(ascii: ":")),
                let second = digits(2, 2)
            else { return nil }
            var clock = Clock(hour: hour, minute: minute, second: second, nanosecond: 0, fractionDigits: 0)
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                var scale = 100_000_000
                while let c = peek(), c &- UInt8(ascii: "0") < 10 {
                    clock.nanosecond += Int(c &- UInt8(ascii: "0")) * scale
                    scale /= 10
                    clock.fractionDigits += 1
                    index += 1
                }
                guard clock.fractionDigits > 0 else { return nil }
                clock.fractionDigits = min(clock.fractionDigits, 9)
            }
            return clock
        }
    }
}

extension TimestampText {
    /// Appends `2024-03-01T12:00:00.5Z` (UTC, `fractionDigits` sub-second digits) without allocating.
    static func appendRFC3339(_ time: Timestamp, fractionDigits: Int, to out: inout [UInt8]) {
        let c = time.civil
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
        }
        put(c.year, 4)
        out.append(UInt8(ascii: "-"))
        put(c.month, 2)
        out.append(UInt8(ascii: "-"))
        put(c.day, 2)
        out.append(UInt8(ascii: "T"))
        put(c.hour, 2)
        out.append(UInt8(ascii: ":"))
        put(c.minute, 2)
        out.append(UInt8(ascii: ":"))
        put(c.second, 2)
        if fractionDigits > 0 {
            out.append(UInt8(ascii: "."))
            var scaled = c.nanosecond
            for _ in fractionDigits..<9 { scaled /= 10 }
            put(scaled, fractionDigits)
        }
        out.append(UInt8(ascii: "Z"))
    }
}
