/// An open-addressing index from a 64-bit hash to 32-bit ids, for tables whose entries live in the
/// caller's arrays. A bucket holds the id and the upper 32 bits of its hash, so most mismatches are
/// rejected without touching the entries; the caller confirms a candidate with `matches`.
struct HashIndex {
    private static let empty = UInt64.max
    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000
    private var buckets = Array(repeating: HashIndex.empty, count: 16)
    private(set) var count = 0

    var capacityBytes: Int { buckets.capacity * 8 }

    func find(hash: UInt64, matches: (UInt32) -> Bool) -> UInt32? {
        let mask = buckets.count - 1
        let tag = hash & Self.tagMask
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bucket = buckets[index]
            if bucket == Self.empty { return nil }
            if bucket & Self.tagMask == tag, matches(UInt32(truncatingIfNeeded: bucket)) { return UInt32(truncatingIfNeeded: bucket) }
            index = (index + 1) & mask
        }
    }

    /// Adds an id (not present). `hashOf` gives the hash of any id already in the index (for growth).
    mutating func insert(_ id: UInt32, hash: UInt64, hashOf: (UInt32) -> UInt64) {
        if (count + 1) * 2 > buckets.count {
            let old = buckets
            buckets = Array(repeating: Self.empty, count: old.count * 2)
            for bucket in old where bucket != Self.empty {
                let existing = UInt32(truncatingIfNeeded: bucket)
                place(existing, hash: hashOf(existing))
            }
        }
        place(id, hash: hash)
        count += 1
    }

    private mutating func place(_ id: UInt32, hash: UInt64) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index] != Self.empty { index = (index + 1) & mask }
        buckets[index] = (hash & Self.tagMask) | UInt64(id)
    }

    /// Removes an id by backward shift (no tombstones).
    mutating func remove(_ id: UInt32, hash: UInt64, hashOf: (UInt32) -> UInt64) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while UInt32(truncatingIfNeeded: buckets[index]) != id { index = (index + 1) & mask }
        var hole = index
        var probe = (index + 1) & mask
        while buckets[probe] != Self.empty {
            let home = Int(truncatingIfNeeded: hashOf(UInt32(truncatingIfNeeded: buckets[probe]))) & mask
            if (probe - home) & mask >= (probe - hole) & mask {
                buckets[hole] = buckets[probe]
                hole = probe
            }
            probe = (probe + 1) & mask
        }
        buckets[hole] = Self.empty
        count -= 1
    }
}
