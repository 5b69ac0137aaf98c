/// A prematch literal and the byte to search it by: `memchr` (vectorized in libc) looks for the literal's
/// rarest byte, then the whole literal is compared around it (``DecoderTables/contains(_:_:anchor:)``).
///
/// Log text is full of spaces, lowercase vowels and digits; scanning for the first byte of `"for "` would
/// stop at every `f`, while scanning for a rarer byte (an uppercase letter, punctuation) skips most of the
/// message. Rarity comes from a fixed ranking of byte classes, chosen at load.
struct LiteralSearch: Sendable {
    let bytes: [UInt8]
    /// Index in ``bytes`` of the byte `memchr` looks for.
    let anchor: Int

    init(_ bytes: [UInt8]) {
        precondition(!bytes.isEmpty)
        self.bytes = bytes
        var best = 0
        for i in bytes.indices where Self.commonness(bytes[i]) < Self.commonness(bytes[best]) { best = i }
        self.anchor = best
    }

    /// Lower is rarer in typical log text.
    private static func commonness(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: " "): 9
        case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"), UInt8(ascii: "n"),
            UInt8(ascii: "s"), UInt8(ascii: "r"):
            8
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ":"): 7
        case UInt8(ascii: "a")...UInt8(ascii: "z"): 6
        case UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "_"): 5
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): 3
        default: 2
        }
    }
}
