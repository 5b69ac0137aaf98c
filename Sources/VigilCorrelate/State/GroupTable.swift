/// The groups of one rule in one shard: key -> dense slot, with a least-recently-seen list.
///
/// Slots index the per-group state arrays of the rule's evaluator. The list is ordered by the event time
/// each group was last touched (its last input, or the end of its last qualifying absence window);
/// since a rule processes inputs and deadlines in time order, moving a touched group to the back keeps
/// it sorted, so expiry and eviction both take from the front.
struct GroupTable {
    static let none = UInt32.max

    private(set) var keys: [String] = []
    private(set) var hashes: [UInt64] = []
    private(set) var lastSeen: [Int64] = []
    /// Bumped when a slot is freed, so timers of a former occupant are recognised as stale.
    private(set) var generation: [UInt32] = []
    private var previous: [UInt32] = []
    private var following: [UInt32] = []
    private var buckets: [UInt32]
    private var freeSlots: [UInt32] = []
    private(set) var oldest = GroupTable.none
    private var newest = GroupTable.none
    private(set) var count = 0

    init() {
        buckets = Array(repeating: Self.none, count: 16)
    }

    /// Number of slots ever allocated (the size per-group arrays must have).
    var slotCount: Int { keys.count }

    /// Approximate bytes held (for the memory benchmark).
    var capacityBytes: Int {
        keys.capacity * 16 + hashes.capacity * 8 + lastSeen.capacity * 8 + generation.capacity * 4
            + (previous.capacity + following.capacity + buckets.capacity + freeSlots.capacity) * 4
    }

    /// The slot of a key, if present.
    func find(_ key: String, hash: UInt64) -> UInt32? {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = buckets[index]
            if slot == Self.none { return nil }
            if hashes[Int(slot)] == hash, keys[Int(slot)] == key { return slot }
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
            hashes[Int(slot)] = hash
            lastSeen[Int(slot)] = time
        } else {
            slot = UInt32(keys.count)
            keys.append(key)
            hashes.append(hash)
            lastSeen.append(time)
            generation.append(0)
            previous.append(Self.none)
            following.append(Self.none)
        }
        placeInBucket(slot)
        linkAsNewest(slot)
        count += 1
        return slot
    }

    /// Marks a group as seen at `time` (not earlier than any time seen before in this table).
    mutating func touch(_ slot: UInt32, time: Int64) {
        lastSeen[Int(slot)] = time
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    /// Frees a group's slot.
    mutating func remove(_ slot: UInt32) {
        unlink(slot)
        removeFromBuckets(slot)
        keys[Int(slot)] = ""
        generation[Int(slot)] &+= 1
        freeSlots.append(slot)
        count -= 1
    }

    private mutating func linkAsNewest(_ slot: UInt32) {
        previous[Int(slot)] = newest
        following[Int(slot)] = Self.none
        if newest != Self.none { following[Int(newest)] = slot } else { oldest = slot }
        newest = slot
    }

    private mutating func unlink(_ slot: UInt32) {
        let before = previous[Int(slot)], after = following[Int(slot)]
        if before != Self.none { following[Int(before)] = after } else { oldest = after }
        if after != Self.none { previous[Int(after)] = before } else { newest = before }
    }

    private mutating func placeInBucket(_ slot: UInt32) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hashes[Int(slot)]) & mask
        while buckets[index] != Self.none { index = (index + 1) & mask }
        buckets[index] = slot
    }

    /// Linear-probing deletion by backward shift (no tombstones).
    private mutating func removeFromBuckets(_ slot: UInt32) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hashes[Int(slot)]) & mask
        while buckets[index] != slot { index = (index + 1) & mask }
        var hole = index
        var probe = (index + 1) & mask
        while buckets[probe] != Self.none {
            let home = Int(truncatingIfNeeded: hashes[Int(buckets[probe])]) & mask
            // Move the entry back if its home is not in (hole, probe] (cyclically).
            let distanceToHole = (probe - home) & mask
            let distanceToProbe = (probe - hole) & mask
            if distanceToHole >= distanceToProbe {
                buckets[hole] = buckets[probe]
                hole = probe
            }
            probe = (probe + 1) & mask
        }
        buckets[hole] = Self.none
    }

    private mutating func rehash(_ size: Int) {
        buckets = Array(repeating: Self.none, count: size)
        var slot = oldest
        while slot != Self.none {
            placeInBucket(slot)
            slot = following[Int(slot)]
        }
    }
}
