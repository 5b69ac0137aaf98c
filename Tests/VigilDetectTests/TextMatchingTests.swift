import Testing

@testable import VigilDetect

/// The byte compares under every string test: checked against a plain loop for every length the
/// load widths split on, with a difference at every position.
@Suite("TextMatching byte compares")
struct TextMatchingTests {
    static let lengths = Array(0...40)

    static func bytes(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ seed &* 7) % 251) }
    }

    @Test("bytesEqual: equal runs, and a difference at each position", arguments: lengths)
    func bytesEqualAgreesWithALoop(count: Int) {
        let a = Self.bytes(count, seed: count)
        a.withUnsafeBytes { left in
            var b = a
            b.withUnsafeBytes { right in
                #expect(
                    TextMatching.bytesEqual(
                        left.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, right.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                        count: count))
            }
            for position in 0..<count {
                b = a
                b[position] ^= 0x20
                b.withUnsafeBytes { right in
                    #expect(
                        !TextMatching.bytesEqual(left.baseAddress!, right.baseAddress!, count: count), "length \(count), byte \(position)")
                }
            }
        }
    }

    @Test("equals, prefix, suffix and contains on texts around a literal", arguments: [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 33])
    func stringTests(length: Int) {
        let literal = Self.bytes(length, seed: 3)
        let text = Array("xy".utf8) + literal + Array("z".utf8)
        var changed = literal
        changed[length / 2] ^= 1
        literal.withUnsafeBytes { literal in
            text.withUnsafeBytes { text in
                #expect(TextMatching.contains(text, literal))
                #expect(!TextMatching.hasPrefix(text, literal) && !TextMatching.hasSuffix(text, literal))
                #expect(TextMatching.hasPrefix(UnsafeRawBufferPointer(rebasing: text[2...]), literal))
                #expect(TextMatching.hasSuffix(UnsafeRawBufferPointer(rebasing: text[..<(text.count - 1)]), literal))
                #expect(TextMatching.equals(UnsafeRawBufferPointer(rebasing: text[2..<(text.count - 1)]), literal))
            }
            changed.withUnsafeBytes { changed in
                #expect(!TextMatching.equals(changed, literal))
                #expect(!TextMatching.contains(changed, literal))
            }
        }
    }
}
