import Foundation
import Testing
import VigilEvent
import VigilTestSupport

/// The output writers against plain, obviously correct references, on generated input: the fast paths
/// (eight bytes at a time, stack buffers) must write exactly what a byte-by-byte writer writes.
@Suite struct JSONOutputReferenceTests {
    /// Escapes byte by byte, as RFC 8259 asks; a byte that starts no well-formed UTF-8 sequence becomes
    /// U+FFFD on its own (as vigil has always done: one replacement per bad byte).
    static func referenceString(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0x08: out += Array(#"\b"#.utf8)
                case 0x0C: out += Array(#"\f"#.utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
                default: out.append(b)
                }
                i += 1
                continue
            }
            let length = (2...4).first { length in
                i + length <= bytes.count
                    && String(validating: bytes[i..<(i + length)], as: UTF8.self).map { $0.unicodeScalars.count == 1 } == true
            }
            if let length {
                out += bytes[i..<(i + length)]
                i += length
            } else {
                out += [0xEF, 0xBF, 0xBD]
                i += 1
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    /// Bytes that sit on every boundary the eight-byte test draws, mixed with plain text and UTF-8.
    static let interesting: [UInt8] = [
        0x00, 0x1F, 0x20, 0x21, 0x22, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xFF,
    ]

    @Test func stringsEqualTheReference() {
        var random = SplitMix64(seed: 0x5EED)
        for round in 0..<20_000 {
            let count = Int(random.next() % 40)
            let bytes: [UInt8] = (0..<count).map { _ in
                random.next() % 4 == 0
                    ? Self.interesting[Int(random.next() % UInt64(Self.interesting.count))] : UInt8(0x61 + random.next() % 26)
            }
            var out: [UInt8] = []
            bytes.withUnsafeBytes { JSONOutput.appendString($0, to: &out) }
            #expect(out == Self.referenceString(bytes), "round \(round): \(bytes)")
            if out != Self.referenceString(bytes) { return }
        }
    }

    @Test(arguments: [0, 7, -7, 10, -10, 65_535, Int(Int32.max), Int(Int64.max), Int(Int64.min), Int(Int64.min) + 1])
    func integersEqualDescription(_ value: Int) {
        var out: [UInt8] = []
        JSONOutput.appendInteger(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }

    @Test func unsignedBeyondInt64EqualsDescription() {
        var out: [UInt8] = []
        JSONOutput.appendInteger(UInt64.max, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(UInt64.max))
    }

    @Test func rfc3339EqualsTheCivilFields() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            // Any Int64 of nanoseconds: the years 1677 to 2262.
            let time = Timestamp(nanoseconds: Int64(bitPattern: random.next()))
            let c = time.civil
            for digits in [0, 3, 6, 9] {
                var out: [UInt8] = []
                time.appendRFC3339(to: &out, fractionDigits: digits)
                let year = (0...9999).contains(c.year) ? String(format: "%04d", c.year) : String(c.year)
                var expected = year + String(format: "-%02d-%02dT%02d:%02d:%02d", c.month, c.day, c.hour, c.minute, c.second)
                if digits > 0 {
                    let fraction = String(format: "%09d", c.nanosecond)
                    expected += "." + fraction.prefix(digits)
                }
                expected += "Z"
                #expect(String(decoding: out, as: UTF8.self) == expected)
            }
        }
    }
}
