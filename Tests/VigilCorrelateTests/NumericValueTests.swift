import Testing
import VigilTestSupport

@testable import VigilCorrelate

/// Measured values are read from bytes without a String; the result must be what the String-based
/// reading (``ReferenceNumericValue``, the former implementation) gives, bit for bit.
@Suite struct NumericValueTests {
    static let longDigits = String(repeating: "9", count: 800)
    static let tricky: [String] = [
        // Plain, signs, leading zeros.
        "0", "-0", "1", "-1", "+1", "01", "-01", "00", "-", "", "   ", "42", "-42", "1234567", "0.5", "-0.5", "0.0", "-0.0",
        // Syntax JSON rejects.
        "1.", ".5", "-.5", "1.e5", "1e", "1e+", "1e-", "1E", "1ee5", "1e1.5", "1.5.5", "--1", "1-", "0x10", "1,5", "1_000", "١٢",
        "1\0", "\u{0B}42", "42\u{0C}", "\u{00A0}42", "4 2",
        // Blanks around the number (space, tab, line feed, carriage return only).
        " 42", "42 ", " \t42\r\n", "\n-1.5e3\t", "\r\r7\r\r",
        // Infinities and not-a-numbers are no numbers.
        "inf", "-inf", "Infinity", "nan", "NaN", "-nan", "infinity",
        // Exponents.
        "1e0", "1E+3", "1e-3", "-1.5e3", "2.5E-2", "1e22", "1e23", "-1e22", "1e-22", "1e-23", "12e25", "9007199254740991e22",
        "1e30", "1e-30", "123456789e-22", "1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "-1e400",
        "1e-400", "-1e-400", "4.9e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "1e-320", "0e999999999999999999999", "-0e-999999999999999999999",
        "1e99999999999999999999999", "1e-99999999999999999999999", "0.000000000000000000000000000001e30", "1e000000000000000000001",
        // Significands around 2^53 and 19 digits.
        "9007199254740992", "9007199254740993", "9007199254740995", "-9007199254740993", "9999999999999999999",
        "1000000000000000000", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
        // Decimal fractions that round.
        "0.1", "0.2", "0.3", "0.30000000000000004", "3.141592653589793", "3.1415926535897932384626433832795028841971",
        "1.00000000000000000000000000001", "0.1000000000000000055511151231257827", "1.5000000000000000000000000",
        "0.000123", "-0.000000000000000000000000000000000123", "100000000000000000000000000000000000000000.5",
    ]

    /// Hundreds or thousands of digits (not test arguments, to keep test names short).
    static let veryLong: [String] = [
        longDigits, "-" + longDigits, longDigits + ".5", "0." + String(repeating: "0", count: 400) + "1",
        "1" + String(repeating: "0", count: 308), "1" + String(repeating: "0", count: 309), String(repeating: "1", count: 5000) + "e-4990",
        "0." + longDigits + "e-5", "2." + String(repeating: "0", count: 1000) + "1e-308",
    ]

    @Test(arguments: tricky)
    func bytesReadLikeStrings(_ text: String) {
        Self.expectSame(text)
    }

    @Test func veryLongDigitStringsReadLikeStrings() {
        for text in Self.veryLong { Self.expectSame(text) }
    }

    /// Random numbers, mostly well formed, around the cases above: digits counts, points and exponents.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomNumbersReadLikeStrings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(random.next() % 10)) })
        }
        for _ in 0..<5_000 {
            var text = random.next() % 2 == 0 ? "-" : ""
            let integer = digits(Int(random.next() % 24) + 1)
            // Mostly valid integers (no leading zero), sometimes not.
            text += random.next() % 8 == 0 || integer.first != "0" ? integer : "0"
            if random.next() % 2 == 0 { text += "." + digits(Int(random.next() % 24) + (random.next() % 16 == 0 ? 0 : 1)) }
            if random.next() % 2 == 0 {
                text += (random.next() % 2 == 0 ? "e" : "E") + ["", "+", "-"][Int(random.next() % 3)]
                text += digits(Int(random.next() % 4) + (random.next() % 16 == 0 ? 0 : 1))
            }
            Self.expectSame(text)
        }
    }

    static func expectSame(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = ReferenceNumericValue.parse(text)
        let fromBytes = Array(text.utf8).withUnsafeBytes { NumericValue.parse($0) }
        let fromString = NumericValue.parse(text)
        #expect(fromBytes?.bitPattern == expected?.bitPattern, "\(text.prefix(60))", sourceLocation: sourceLocation)
        #expect(fromString?.bitPattern == expected?.bitPattern, "\(text.prefix(60))", sourceLocation: sourceLocation)
    }
}

/// The String-based reading NumericValue replaced: what the tests compare against.
enum ReferenceNumericValue {
    static func parse(_ text: String) -> Double? {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
        guard isJSONNumber(bytes) else { return nil }
        guard let value = Double(Substring(bytes)), value.isFinite else { return nil }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    static func isJSONNumber(_ bytes: Substring.UTF8View) -> Bool {
        var i = bytes.startIndex
        func at(_ index: Substring.UTF8View.Index) -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if at(i) == 0x2D { i = bytes.index(after: i) }
        guard isDigit(at(i)) else { return false }
        if at(i) == 0x30 {
            i = bytes.index(after: i)
        } else {
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        if at(i) == 0x2E {
            i = bytes.index(after: i)
            guard isDigit(at(i)) else { return false }
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        if at(i) == 0x65 || at(i) == 0x45 {
            i = bytes.index(after: i)
            if at(i) == 0x2B || at(i) == 0x2D { i = bytes.index(after: i) }
            guard isDigit(at(i)) else { return false }
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        return i == bytes.endIndex
    }
}
