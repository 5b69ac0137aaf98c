import Foundation

/// The transforming modifiers on literal bytes: base64, base64offset, the UTF-16 family and windash.
enum ValueEncodings {
    /// The five characters `windash` makes interchangeable, as UTF-8.
    static let dashes: [[UInt8]] = [
        [0x2D],  // -
        [0x2F],  // /
        [0xE2, 0x80, 0x93],  // en dash
        [0xE2, 0x80, 0x94],  // em dash
        [0xE2, 0x80, 0x95],  // horizontal bar
    ]

    /// Most values a dash expansion may produce before an encoding modifier (5^5).
    static let maximumDashExpansion = 3125

    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        Array(Data(bytes).base64EncodedString().utf8)
    }

    /// The three encodings of `bytes` shifted by zero, one and two bytes, trimmed to the characters
    /// that do not depend on the surrounding data (spec: base64offset).
    static func base64Offsets(_ bytes: [UInt8]) -> [[UInt8]] {
        let startOffsets = [0, 2, 3]
        let endTrims = [0, 3, 2]
        return (0..<3).map { shift in
            let encoded = base64([UInt8](repeating: 0x20, count: shift) + bytes)
            let start = startOffsets[shift]
            let end = encoded.count - endTrims[(bytes.count + shift) % 3]
            return start < end ? Array(encoded[start..<end]) : []
        }
    }

    enum UTF16Form {
        case littleEndian
        case bigEndian
        /// Little-endian with a byte order mark (`utf16`).
        case withByteOrderMark
    }

    /// UTF-16 bytes of UTF-8 text (nil when the bytes are not valid UTF-8).
    static func utf16(_ bytes: [UInt8], form: UTF16Form) -> [UInt8]? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var out: [UInt8] = []
        for unit in text.utf16 {
            if form == .bigEndian {
                out.append(UInt8(unit >> 8))
                out.append(UInt8(unit & 0xFF))
            } else {
                out.append(UInt8(unit & 0xFF))
                out.append(UInt8(unit >> 8))
            }
        }
        return out
    }

    /// Replaces every dash character in the literal parts with the dash class.
    static func windash(_ pattern: SigmaPattern) -> SigmaPattern {
        pattern.splittingLiterals { bytes, i in
            dashes.first(where: { matches($0, bytes, at: i) }).map { (.dash, $0.count) }
        }
    }

    /// Spells out every dash class as each of the five characters (needed before an encoding
    /// modifier, which works on concrete text); nil when that would exceed the limit.
    static func expandDashes(_ pattern: SigmaPattern) -> [SigmaPattern]? {
        var results: [[SigmaPattern.Part]] = [[]]
        for part in pattern.parts {
            if part == .dash {
                guard results.count * dashes.count <= maximumDashExpansion else { return nil }
                results = results.flatMap { prefix in dashes.map { prefix + [.literal($0)] } }
            } else {
                results = results.map { $0 + [part] }
            }
        }
        return results.map { SigmaPattern(parts: $0) }
    }

    private static func matches(_ needle: [UInt8], _ bytes: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= bytes.count else { return false }
        for k in 0..<needle.count where bytes[index + k] != needle[k] { return false }
        return true
    }
}
