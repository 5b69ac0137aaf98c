import Testing

@testable import VigilDetect

/// The string tests over ByteCompare's word compares: literals of every length the load widths split
/// on, found at the start, the end, the middle, and not found once a byte differs.
@Suite("TextMatching byte compares")
struct TextMatchingTests {
    static func bytes(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ seed &* 7) % 251) }
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
