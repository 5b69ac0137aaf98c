/// 64-bit FNV-1a, the hash vigil uses for short byte strings (names, app names, group keys): for the
/// few bytes these have, a byte loop beats anything fancier. Stable across runs and processes.
public enum FNV1a {
    /// The FNV-1a 64-bit offset basis.
    public static let basis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of `bytes`, starting from `seed` (vary it to hash within a namespace, such as a group).
    @inlinable
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, seed: UInt64 = basis) -> UInt64 {
        var h = seed
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// MurmurHash3's 64-bit finalizer: spreads a hash's bits (FNV-1a leaves its high bits weak).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}
