/// The groups of one rule in one shard: key -> dense slot, with a least-recently-seen list.
///
/// Slots index the per-group state arrays of the rule's evaluator. The list is ordered by the event time
/// each group was last touched (its last input, or the end of its last qualifying absence window);
/// since a rule processes inputs and deadlines in time order, moving a touched group to the back keeps
/// it sorted, so expiry and eviction both take from the front.
///
/// Layout, for cache misses rather than instructions: a bucket holds the slot and 32 bits of the hash
/// (most mismatches never leave the bucket array), and the fields `touch` needs sit together in one
/// record per group.
struct GroupTable {
    static let none = UInt32.max
    private static let emptyBucket = UInt64.max

    struct Record {
        var hash: UInt64 = 0
        var lastSeen: Int64 = 0
        var previous: UInt32 = GroupTable.none
        var following: UInt32 = GroupTable.none
        /// Bumped when the slot is freed, so timers of a former occupant are recognised as stale.
        var generation: UInt32 = 0
    }

    private(set) var keys: [String] = []
    private(set) var records: [Record] = []
    private var buckets: [UInt64]
    private var freeSlots: [UInt32] = []
    private(set) var oldest = GroupTable.none
    private var newest = GroupTable.none
    private(set) var count = 0

    init() {
        buckets = Array(repeating: Self.emptyBucket, count: 16)
    }

    /// Number of slots ever allocated (the size per-group arrays must have).
    var slotCount: Int { keys.count }

    /// Approximate bytes held (for the memory benchmark).
    var capacityBytes: Int {
        keys.capacity * 16 + records.capacity * MemoryLayout<Record>.stride + buckets.capacity * 8 + freeSlots.capacity * 4
    }

    @inline(__always)
    func lastSeen(_ slot: UInt32) -> Int64 { records[Int(slot)].lastSeen }

    @inline(__always)
    func generation(_ slot: UInt32) -> UInt32 { records[Int(slot)].generation }

    @inline(__always)
    private static func bucket(slot: UInt32, hash: UInt64) -> UInt64 { (hash & 0xFFFF_FFFF_0000_0000) | UInt64(slot) }

    /// The slot of a key, if present.
    func find(_ key: String, hash: UInt64) -> UInt32? {
        let mask = buckets.count - 1
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bucket = buckets[index]
            if bucket == Self.emptyBucket { return nil }
            if bucket & 0xFFFF_FFFF_0000_0000 == tag {
                let slot = UInt32(truncatingIfNeeded: bucket)
                if keys[Int(slot)] == key { return slot }
            }
            index = (index + 1) & mask
        }
    }

    /// Adds a key (not present) as the newest group and returns its slot.
    mutating func insert(_ key: String, hash: UInt64, time: Int64) -> UInt32 {
        if (count + 1) * 2 > buckets.count { rehash(buckets.count * 2) }
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            keys[Int(slot)] = key
            records[Int(slot)].hash = hash
            records[Int(slot)].lastSeen = time
        } else {
            slot = UInt32(keys.count)
            keys.append(key)
            records.append(Record(hash: hash, lastSeen: time))
        }
        placeInBucket(slot)
        linkAsNewest(slot)
        count += 1
        return slot
    }

    /// Marks a group as seen at `time` (not earlier than any time seen before in this table).
    mutating func touch(_ slot: UInt32, time: Int64) {
        records[Int(slot)].lastSeen = time
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    /// Frees a group's slot.
    mutating func remove(_ slot: UInt32) {
        unlink(slot)
        removeFromBuckets(slot)
        keys[Int(slot)] = ""
        records[Int(slot)].generation &+= 1
        freeSlots.append(slot)
        count -= 1
    }

    private mutating func linkAsNewest(_ slot: UInt32) {
        records[Int(slot)].previous = newest
        records[Int(slot)].following = Self.none
        if newest != Self.none { records[Int(newest)].following = slot } else { oldest = slot }
        newest = slot
    }

    private mutating func unlink(_ slot: UInt32) {
        let before = records[Int(slot)].previous, after = records[Int(slot)].following
        if before != Self.none { records[Int(before)].following = after } else { oldest = after }
        if after != Self.none { records[Int(after)].previous = before } else { newest = before }
    }

    private mutating func placeInBucket(_ slot: UInt32) {
        let mask = buckets.count - 1
        let hash = records[Int(slot)].hash
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index] != Self.emptyBucket { index = (index + 1) & mask }
        buckets[index] = Self.bucket(slot: slot, hash: hash)
    }

    /// Linear-probing deletion by backward shift (no tombstones).
    private mutating func removeFromBuckets(_ slot: UInt32) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: records[Int(slot)].hash) & mask
        while UInt32(truncatingIfNeeded: buckets[index]) != slot { index = (index + 1) & mask }
        var hole = index
        var probe = (index + 1) & mask
        while buckets[probe] != Self.emptyBucket {
            let occupant = UInt32(truncatingIfNeeded: buckets[probe])
            let home = Int(truncatingIfNeeded: records[Int(occupant)].hash) & mask
            // Move the entry back if its home is not in (hole, probe] (cyclically).
            if (probe - home) & mask >= (probe - hole) & mask {
                buckets[hole] = buckets[probe]
                hole = probe
            }
            probe = (probe + 1) & mask
        }
        buckets[hole] = Self.emptyBucket
    }

    private mutating func rehash(_ size: Int) {
        buckets = Array(repeating: Self.emptyBucket, count: size)
        var slot = oldest
        while slot != Self.none {
            placeInBucket(slot)
            slot = records[Int(slot)].following
        }
    }
}
