import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads measured values of `value_sum`, `value_avg` and percentiles: a JSON number, optionally
/// surrounded by blanks. Anything else (`abc`, `0x10`, `inf`, `1,5`) is no number and is left out of the
/// aggregate, as the reference implementation does.
///
/// Runs once per measured input, so it reads the bytes in place: ``JSONNumberText`` checks the syntax,
/// one pass gathers up to 19 significant digits. Most values then convert exactly with one multiplication or
/// division (both operands exact, so the one rounding is the correct one); the rest (more digits,
/// large exponents) go to `strtod`, correctly rounded like `Double(String)`.
enum NumericValue {
    static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var start = 0
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        guard start < end, let base = bytes.baseAddress else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self) + start
        let n = end - start
        var scanned = 0
        var hasExponent = false
        guard JSONNumberText.scan(p, count: n, at: &scanned, exponent: &hasExponent), scanned == n else { return nil }
        // The syntax holds: gather the digits and the written exponent.
        let negative = p[0] == UInt8(ascii: "-")
        var i = negative ? 1 : 0
        var digits = Digits()
        var inFraction = false
        var fractionCount = 0
        while i < n, p[i] | 0x20 != UInt8(ascii: "e") {
            if p[i] == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.add(p[i], inFraction: inFraction)
                if inFraction { fractionCount += 1 }
            }
            i += 1
        }
        var writtenExponent = 0
        if i < n {
            i += 1
            let exponentNegative = p[i] == UInt8(ascii: "-")
            if p[i] == UInt8(ascii: "+") || exponentNegative { i += 1 }
            // Saturates far beyond any double: the value is then 0 or infinite all the same.
            while i < n {
                writtenExponent = min(writtenExponent * 10 + Int(p[i] &- UInt8(ascii: "0")), 1 << 40)
                i += 1
            }
            if exponentNegative { writtenExponent = -writtenExponent }
        }
        if digits.significand == 0 { return negative ? -0.0 : 0.0 }
        if let exact = digits.exactValue(exponent: writtenExponent) { return negative ? -exact : exact }
        let value = parseLong(bytes, start..<end, fractionCount: fractionCount, exponent: writtenExponent)
        return value.isFinite ? value : nil
    }

    /// The significant digits of a number: the first 19 exactly, the rest only counted.
    struct Digits {
        var significand: UInt64 = 0
        var count = 0
        /// Power of ten of the last digit kept.
        var exponent = 0
        var truncated = false

        mutating func add(_ digit: UInt8, inFraction: Bool) {
            let value = UInt64(digit &- UInt8(ascii: "0"))
            if significand == 0 && value == 0 {
                // A leading zero of the fraction only moves the point.
                if inFraction { exponent -= 1 }
            } else if count < 19 {
                significand = significand * 10 + value
                count += 1
                if inFraction { exponent -= 1 }
            } else {
                truncated = true
                if !inFraction { exponent += 1 }
            }
        }

        /// The value when significand and power of ten are both exact doubles (Clinger's fast path).
        func exactValue(exponent writtenExponent: Int) -> Double? {
            guard !truncated, significand <= 1 << 53 else { return nil }
            var power = exponent + writtenExponent
            var significand = self.significand
            if power > 22 {
                // `12e25` is `12_000 * 1e22`, still exact if the integer stays within 2^53.
                while power > 22, significand <= (1 << 53) / 10 {
                    significand *= 10
                    power -= 1
                }
                guard power <= 22 else { return nil }
            }
            guard power >= -22 else { return nil }
            let powers = NumericValue.powersOfTen
            return power < 0 ? Double(significand) / powers[-power] : Double(significand) * powers[power]
        }
    }

    /// `1e0` to `1e22`: exact in a double.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The rare number the fast path cannot convert (over 19 significant digits, or a power of ten
    /// beyond 1e22), through `strtod`. Written without its point (digits, then `e` and the exponent moved
    /// accordingly) so the C locale's decimal point cannot matter.
    static func parseLong(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, fractionCount: Int, exponent: Int) -> Double {
        var text: [UInt8] = []
        text.reserveCapacity(range.count + 24)
        for index in range {
            let byte = bytes[index]
            if byte | 0x20 == UInt8(ascii: "e") { break }
            if byte != UInt8(ascii: ".") { text.append(byte) }
        }
        text.append(UInt8(ascii: "e"))
        JSONOutput.appendInteger(exponent - fractionCount, to: &text)
        text.append(0)
        return text.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { strtod($0.baseAddress!, nil) } }
    }

    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

}
