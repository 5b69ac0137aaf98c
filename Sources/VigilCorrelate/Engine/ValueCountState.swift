import VigilEvent

/// `value_count`: per group, each distinct value with the time it was last seen, in a list ordered by
/// that time. A value leaves when its last sighting leaves the window; the distinct count is kept, not
/// recounted.
struct ValueCountState: WindowState {
    static let none = UInt32.max

    let span: Int64
    let threshold: CorrelationThreshold
    /// (group, value) -> node.
    var index = HashIndex()
    // Nodes: one per (group, distinct value) in the window.
    var values: [String] = []
    var nodeGroups: [UInt32] = []
    var nodeHashes: [UInt64] = []
    var seen: [Int64] = []
    var refs: [UInt32] = []
    var previous: [UInt32] = []
    var following: [UInt32] = []
    var freeNodes: [UInt32] = []
    /// Heap bytes of the live values too long to be stored inline.
    var valueBytes = 0
    // Per group: oldest and newest node, number of distinct values.
    var heads: [UInt32] = []
    var tails: [UInt32] = []
    var distinct: [UInt32] = []

    init(span: Int64, threshold: CorrelationThreshold) {
        self.span = span
        self.threshold = threshold
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&heads, to: slots, with: Self.none, reserve: reserve)
        growArray(&tails, to: slots, with: Self.none, reserve: reserve)
        growArray(&distinct, to: slots, with: 0, reserve: reserve)
    }

    mutating func reset(_ group: UInt32) {
        heads[Int(group)] = Self.none
        tails[Int(group)] = Self.none
        distinct[Int(group)] = 0
    }

    mutating func release(_ group: UInt32) {
        while heads[Int(group)] != Self.none { removeOldest(group) }
    }

    /// A node: value (16), group, hash, seen, ref, links, and about two index slots.
    func liveBytes(groups: Int) -> Int { groups * 12 + (values.count - freeNodes.count) * 68 + valueBytes }

    func measure(_ group: UInt32) -> Double? { Double(distinct[Int(group)]) }

    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry]) {
        var node = heads[Int(group)]
        while node != Self.none {
            if seen[Int(node)] >= time {
                entries.append(KnownEntry(time: seen[Int(node)], weight: 1, ref: refs[Int(node)], value: values[Int(node)]))
            }
            node = following[Int(node)]
        }
    }

    var memoryBytes: Int {
        index.capacityBytes + values.capacity * 16 + nodeHashes.capacity * 8 + nodeGroups.capacity * 4 + seen.capacity * 8
            + (refs.capacity + previous.capacity + following.capacity + freeNodes.capacity) * 4
            + (heads.capacity + tails.capacity + distinct.capacity) * 4
    }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let g = Int(group)
        for event in events {
            guard let value = event.value else { continue }
            let hash = Self.hash(group: group, value: value)
            let found = index.find(hash: hash) { nodeGroups[Int($0)] == group && values[Int($0)] == value }
            if let node = found {
                seen[Int(node)] = time
                refs[Int(node)] = event.ref
                unlink(node, group: group)
                append(node, group: group)
            } else {
                let node = allocate(value: value, group: group, hash: hash, time: time, ref: event.ref)
                let hashes = nodeHashes
                index.insert(node, hash: hash) { hashes[Int($0)] }
                append(node, group: group)
                distinct[g] += 1
            }
        }
        let start = time &- span
        while heads[g] != Self.none, seen[Int(heads[g])] < start { removeOldest(group) }
        let count = Double(distinct[g])
        guard threshold.holds(count) else { return nil }
        var node = heads[g]
        while node != Self.none, context.addEvidence(refs[Int(node)]) { node = following[Int(node)] }
        return QualifiedWindow(start: start, end: time, metric: count, inputs: Int(count))
    }

    /// FNV-1a of the value, mixed with the group.
    static func hash(group: UInt32, value: String) -> UInt64 {
        GroupKey.mix(FNV1a.hash(value.utf8, seed: FNV1a.basis ^ (UInt64(group) &* 0x9E37_79B9_7F4A_7C15)))
    }

    mutating func allocate(value: String, group: UInt32, hash: UInt64, time: Int64, ref: UInt32) -> UInt32 {
        valueBytes += StringCost.heapBytes(value)
        if let node = freeNodes.popLast() {
            values[Int(node)] = value
            nodeGroups[Int(node)] = group
            nodeHashes[Int(node)] = hash
            seen[Int(node)] = time
            refs[Int(node)] = ref
            return node
        }
        values.append(value)
        nodeGroups.append(group)
        nodeHashes.append(hash)
        seen.append(time)
        refs.append(ref)
        previous.append(Self.none)
        following.append(Self.none)
        return UInt32(values.count - 1)
    }

    private mutating func removeOldest(_ group: UInt32) {
        let node = heads[Int(group)]
        unlink(node, group: group)
        let hashes = nodeHashes
        index.remove(node, hash: nodeHashes[Int(node)]) { hashes[Int($0)] }
        valueBytes -= StringCost.heapBytes(values[Int(node)])
        values[Int(node)] = ""
        freeNodes.append(node)
        distinct[Int(group)] -= 1
    }

    mutating func append(_ node: UInt32, group: UInt32) {
        let g = Int(group)
        previous[Int(node)] = tails[g]
        following[Int(node)] = Self.none
        if tails[g] != Self.none { following[Int(tails[g])] = node } else { heads[g] = node }
        tails[g] = node
    }

    private mutating func unlink(_ node: UInt32, group: UInt32) {
        let g = Int(group)
        let before = previous[Int(node)], after = following[Int(node)]
        if before != Self.none { following[Int(before)] = after } else { heads[g] = after }
        if after != Self.none { previous[Int(after)] = before } else { tails[g] = before }
    }
}
