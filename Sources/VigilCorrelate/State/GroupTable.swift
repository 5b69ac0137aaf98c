/// The groups of one rule in one shard: key -> dense slot, with a least-recently-seen list.
///
/// Slots index the per-group state arrays of the rule's evaluator. The list is ordered by the event time
/// each group was last touched (its last input, or the end of its last qualifying absence window);
/// since a rule processes inputs and deadlines in time order, moving a touched group to the back keeps
/// it sorted, so expiry and eviction both take from the front.
///
/// Layout: a bucket is 32 bits, a 26-bit slot and 6 bits of the hash's top (so most probes of other
/// groups are rejected without touching them), in open addressing with linear probing at most half
/// full; the fields `find` and `touch` need sit together in one 24-byte record per group: the
/// last-seen time, the list links, the generation and the hash's lower 32 bits (the home bucket, and a
/// check before keys are compared). A group costs its key (16 bytes, inline for keys up to 15 bytes
/// such as IPv4 addresses), its record and two to four buckets: 48 to 56 bytes. A table holds at most
/// ``maxSlots`` groups (67 million per rule and shard).
struct GroupTable {
    static let none = UInt32.max
    private static let emptyBucket = UInt32.max
    private static let slotBits: UInt32 = 26
    private static let slotMask: UInt32 = (1 << slotBits) - 1
    /// Groups one table can hold.
    static let maxSlots = Int(slotMask) - 1

    /// 24 bytes: the 64-bit field first, so no padding.
    struct Record {
        var lastSeen: Int64 = 0
        /// The hash's lower half: it picks the home bucket.
        var hashLow: UInt32 = 0
        var previous: UInt32 = GroupTable.none
        var following: UInt32 = GroupTable.none
        /// Bumped when the slot is freed, so timers of a former occupant are recognised as stale.
        var generation: UInt32 = 0
    }

    private(set) var keys: [String] = []
    private(set) var records: [Record] = []
    private var buckets: [UInt32]
    private var freeSlots: [UInt32] = []
    private(set) var oldest = GroupTable.none
    private(set) var newest = GroupTable.none
    private(set) var count = 0
    /// Heap bytes of keys too long to be stored inline.
    private var keyBytes = 0

    /// Bytes the live groups take (key, record, about two buckets, long keys): what the state budget
    /// counts.
    var liveBytes: Int { count * (16 + MemoryLayout<Record>.stride + 8) + keyBytes }

    init() {
        buckets = Array(repeating: Self.emptyBucket, count: 16)
    }

    /// Number of slots ever allocated (the size per-group arrays must have).
    var slotCount: Int { keys.count }

    /// Approximate bytes held (for the memory benchmark).
    var capacityBytes: Int {
        keys.capacity * 16 + records.capacity * MemoryLayout<Record>.stride + buckets.capacity * 4 + freeSlots.capacity * 4
    }

    @inline(__always)
    func lastSeen(_ slot: UInt32) -> Int64 { records[Int(slot)].lastSeen }

    @inline(__always)
    func generation(_ slot: UInt32) -> UInt32 { records[Int(slot)].generation }

    /// The group touched after `slot` (or ``none``).
    @inline(__always)
    func newer(than slot: UInt32) -> UInt32 { records[Int(slot)].following }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 58) << slotBits }

    /// The slot of a key, if present.
    func find(_ key: String, hash: UInt64) -> UInt32? {
        let mask = buckets.count - 1
        let low = UInt32(truncatingIfNeeded: hash), tag = Self.tag(hash)
        var index = Int(low) & mask
        while true {
            let bucket = buckets[index]
            if bucket == Self.emptyBucket { return nil }
            if bucket & ~Self.slotMask == tag {
                let slot = bucket & Self.slotMask
                if records[Int(slot)].hashLow == low, keys[Int(slot)] == key { return slot }
            }
            index = (index + 1) & mask
        }
    }

    /// Adds a key (not present) as the newest group and returns its slot. When the per-group arrays
    /// must move, they reserve room for `reserve` groups (see `growArray`).
    mutating func insert(_ key: String, hash: UInt64, time: Int64, reserve: Int = 0) -> UInt32 {
        if (count + 1) * 2 > buckets.count {
            // A table about to reserve its limit sizes its buckets for it at once, too.
            var size = buckets.count * 2
            while reserve > 0, size < 2 * reserve { size *= 2 }
            rehash(size)
        }
        keyBytes += StringCost.heapBytes(key)
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            keys[Int(slot)] = key
            records[Int(slot)].hashLow = UInt32(truncatingIfNeeded: hash)
            records[Int(slot)].lastSeen = time
        } else {
            slot = UInt32(keys.count)
            if keys.count == keys.capacity, reserve > keys.count {
                keys.reserveCapacity(reserve)
                records.reserveCapacity(reserve)
            }
            keys.append(key)
            records.append(Record(lastSeen: time, hashLow: UInt32(truncatingIfNeeded: hash)))
        }
        placeInBucket(slot | Self.tag(hash))
        linkAsNewest(slot)
        count += 1
        return slot
    }

    /// Forgets every group (their slots become stale: timers naming them are ignored).
    mutating func removeAll() {
        buckets = Array(repeating: Self.emptyBucket, count: 16)
        freeSlots = Array((0..<UInt32(keys.count)).reversed())
        for slot in records.indices {
            keys[slot] = ""
            records[slot] = Record(generation: records[slot].generation &+ 1)
        }
        oldest = Self.none
        newest = Self.none
        count = 0
        keyBytes = 0
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
        keyBytes -= StringCost.heapBytes(keys[Int(slot)])
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

    /// Puts a bucket (tag and slot) in the first free place from its slot's home.
    private mutating func placeInBucket(_ bucket: UInt32) {
        let mask = buckets.count - 1
        var index = Int(records[Int(bucket & Self.slotMask)].hashLow) & mask
        while buckets[index] != Self.emptyBucket { index = (index + 1) & mask }
        buckets[index] = bucket
    }

    /// Linear-probing deletion by backward shift (no tombstones).
    private mutating func removeFromBuckets(_ slot: UInt32) {
        let mask = buckets.count - 1
        var index = Int(records[Int(slot)].hashLow) & mask
        while buckets[index] & Self.slotMask != slot { index = (index + 1) & mask }
        var hole = index
        var probe = (index + 1) & mask
        while buckets[probe] != Self.emptyBucket {
            let occupant = buckets[probe] & Self.slotMask
            let home = Int(records[Int(occupant)].hashLow) & mask
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
        let old = buckets
        buckets = Array(repeating: Self.emptyBucket, count: size)
        for bucket in old where bucket != Self.emptyBucket { placeInBucket(bucket) }
    }
}
