/// SipHash-2-4 with a 128-bit output and a fixed key: the digest that stands for a group-by or
/// distinct value too long to store (see ``GroupKey/appendBounded(_:to:)``).
///
/// Why not FNV-1a like the group hash: the digest decides which values are the same group, and FNV
/// collisions are easy to construct, so a sender could merge two groups (and their counts). SipHash is
/// a PRF: with 128 bits, constructing a collision takes about 2^64 work even knowing the key. The key
/// is fixed (not random per process) so that the same input gives the same alerts in every run.
enum KeyDigest {
    private static let k0: UInt64 = 0x7669_6769_6c2d_6b30  // "vigil-k0"
    private static let k1: UInt64 = 0x7669_6769_6c2d_6b31  // "vigil-k1"

    /// The 128-bit digest of `bytes`, as two words (the first is the reference's first eight output
    /// bytes, read little-endian).
    static func digest(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        digest(bytes, k0: k0, k1: k1)
    }

    /// SipHash-2-4-128 of `bytes` under the key (`k0`, `k1`), each read little-endian from the key's bytes.
    static func digest(_ bytes: UnsafeRawBufferPointer, k0: UInt64, k1: UInt64) -> (UInt64, UInt64) {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1 ^ 0xee
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1

        @inline(__always) func round() {
            v0 = v0 &+ v1
            v1 = (v1 << 13) | (v1 >> 51)
            v1 ^= v0
            v0 = (v0 << 32) | (v0 >> 32)
            v2 = v2 &+ v3
            v3 = (v3 << 16) | (v3 >> 48)
            v3 ^= v2
            v0 = v0 &+ v3
            v3 = (v3 << 21) | (v3 >> 43)
            v3 ^= v0
            v2 = v2 &+ v1
            v1 = (v1 << 17) | (v1 >> 47)
            v1 ^= v2
            v2 = (v2 << 32) | (v2 >> 32)
        }
        @inline(__always) func compress(_ m: UInt64) {
            v3 ^= m
            round()
            round()
            v0 ^= m
        }

        let count = bytes.count
        let whole = count & ~7
        var i = 0
        while i < whole {
            compress(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
            i += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while i < count {
            last |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        compress(last)
        v2 ^= 0xee
        for _ in 0..<4 { round() }
        let first = v0 ^ v1 ^ v2 ^ v3
        v1 ^= 0xdd
        for _ in 0..<4 { round() }
        return (first, v0 ^ v1 ^ v2 ^ v3)
    }
}
