import Testing
import VigilEvent

/// The word-at-a-time compare under symbol caches and detection's string tests.
@Suite("ByteCompare")
struct ByteCompareTests {
    static func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ count) } }

    @Test("equal: same bytes agree; any one byte changed is unequal", arguments: Array(0...40))
    func changedByteIsDetected(count: Int) {
        let original = Self.bytes(count)
        let copy = original
        original.withUnsafeBytes { a in
            copy.withUnsafeBytes { b in
                #expect(
                    ByteCompare.equal(
                        a.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, b.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, count: count))
            }
            for position in 0..<count {
                var changed = original
                changed[position] &+= 1
                changed.withUnsafeBytes { b in
                    #expect(!ByteCompare.equal(a.baseAddress!, b.baseAddress!, count: count), "byte \(position)")
                }
            }
        }
    }
}
