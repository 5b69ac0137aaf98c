import VigilEvent

/// An input waiting for the watermark: a record of a ``CorrelationBatch`` whose evidence is already in the shard's
/// ``EvidenceStore`` (a reference instead of the event's JSON, so waiting costs no event text).
struct PendingInput {
    // 8-byte fields first, then the strings, then the 4-byte ones: 80 bytes, no padding.
    var time: Int64
    var sequence: UInt64
    var keyHash: UInt64
    var number: Double
    var key: String
    var value: String?
    var slot: Int32
    var source: SourceID
    var ref: UInt32
}

/// Inputs of one rule waiting for the watermark, in any arrival order: a slab of inputs, a run of
/// (time, slab slot) in arrival order whose times never decrease, and a binary min-heap of those that
/// arrived out of order. Taking the inputs before a watermark costs O(k) for the k in order and
/// O(k log n) for the others, however many later ones wait (with a lateness of seconds at high rates,
/// most do).
///
/// Input mostly arrives in time order (a file, a host's stream), so most inputs take the run: the heap
/// alone cost a sift per input and its pops missed the cache (`PendingQueue.insert` and `takeAll` were
/// 6 % of the CPU of `vigil run --rules rules/sigma` on 2 M auth.log lines, the correlation shards'
/// biggest cost).
struct PendingQueue {
    private struct Entry {
        var time: Int64
        var slot: Int32
    }

    private var slab: [PendingInput?] = []
    private var freeSlots: [Int32] = []
    /// Inputs that arrived in time order: `inOrder[inOrderStart...]`, times never decreasing.
    private var inOrder: [Entry] = []
    private var inOrderStart = 0
    /// Inputs that arrived earlier than the last of ``inOrder``.
    private var heap: [Entry] = []
    /// Heap bytes of the waiting inputs' long keys and values.
    private var stringBytes = 0
    /// The key index, when ``init(indexedByKey:)`` asked for one: the waiting inputs of each group.
    private var keys: KeyIndex?

    var count: Int { heap.count + inOrder.count - inOrderStart }

    /// A queue; `indexedByKey` keeps an index of the waiting inputs by group (for early alerts).
    init(indexedByKey: Bool = false) {
        if indexedByKey { keys = KeyIndex() }
    }

    /// Bytes the waiting inputs hold (the slab and heap as allocated, long strings): what the state
    /// budget counts. Allocated, not used: both grow by doubling, and they are given back once emptied
    /// (see ``takeAll(before:into:)``), so this falls when the inputs have been applied.
    var liveBytes: Int { memoryBytes + stringBytes }

    /// The latest time of any waiting input (`Int64.min` when none waits).
    var latestTime: Int64 {
        heap.reduce(inOrderStart < inOrder.count ? inOrder[inOrder.count - 1].time : Int64.min) { max($0, $1.time) }
    }

    @inline(__always)
    private static func stringBytes(_ input: PendingInput) -> Int {
        StringCost.heapBytes(input.key) + StringCost.heapBytes(input.value)
    }
    var isEmpty: Bool { heap.isEmpty && inOrderStart == inOrder.count }

    var memoryBytes: Int {
        slab.capacity * MemoryLayout<PendingInput?>.stride + freeSlots.capacity * 4
            + (heap.capacity + inOrder.capacity) * MemoryLayout<Entry>.stride + (keys?.memoryBytes ?? 0)
    }

    /// Slab slots whose storage an emptied queue keeps for the next inputs (about 1.4 MB). Giving the
    /// slab back at every watermark step made each step grow it again by doubling, on fresh memory.
    static let keptSlots = 16_384

    /// Stores an input; returns its slab slot.
    @discardableResult
    mutating func insert(_ input: PendingInput) -> Int32 {
        stringBytes += Self.stringBytes(input)
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slab[Int(slot)] = input
        } else {
            slot = Int32(slab.count)
            slab.append(input)
        }
        if keys != nil { keys!.link(slot, of: input, slab: slab) }
        if inOrderStart == inOrder.count || inOrder[inOrder.count - 1].time <= input.time {
            inOrder.append(Entry(time: input.time, slot: slot))
            return slot
        }
        heap.append(Entry(time: input.time, slot: slot))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].time < heap[parent].time else { break }
            heap.swapAt(child, parent)
            child = parent
        }
        return slot
    }

    /// Calls `body` with every waiting input, in no particular order (for snapshots).
    func forEach(_ body: (PendingInput) -> Void) {
        for input in slab { if let input { body(input) } }
    }

    /// The input in a slab slot, if the slot holds one.
    func input(at slot: Int32) -> PendingInput? {
        Int(slot) < slab.count ? slab[Int(slot)] : nil
    }

    /// Replaces the input in a slab slot by one with the same time.
    mutating func replace(at slot: Int32, with input: PendingInput) {
        if let old = slab[Int(slot)] { stringBytes -= Self.stringBytes(old) }
        stringBytes += Self.stringBytes(input)
        slab[Int(slot)] = input
    }

    /// Moves every input earlier than `time` to `ready`, in no particular order.
    mutating func takeAll(before time: Int64, into ready: inout [PendingInput]) {
        while inOrderStart < inOrder.count, inOrder[inOrderStart].time < time {
            take(slot: inOrder[inOrderStart].slot, into: &ready)
            inOrderStart += 1
        }
        if inOrderStart == inOrder.count {
            inOrder.removeAll(keepingCapacity: inOrder.capacity <= Self.keptSlots)
            inOrderStart = 0
        } else if inOrderStart >= 4096, inOrderStart * 2 >= inOrder.count {
            inOrder.removeSubrange(0..<inOrderStart)
            inOrderStart = 0
        }
        while let top = heap.first, top.time < time {
            take(slot: top.slot, into: &ready)
            let last = heap.removeLast()
            guard !heap.isEmpty else { break }
            heap[0] = last
            var parent = 0
            while true {
                let left = parent * 2 + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].time < heap[smallest].time { smallest = left }
                if right < heap.count, heap[right].time < heap[smallest].time { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        if isEmpty, !slab.isEmpty {
            // Nothing waits: the next inputs fill the slab from its start, in order (reused slots in
            // the order they were freed read cold memory), and a slab grown by a burst is given back.
            let keep = slab.capacity <= Self.keptSlots
            slab.removeAll(keepingCapacity: keep)
            freeSlots.removeAll(keepingCapacity: keep)
            if keys != nil { keys!.removeAll(keepingCapacity: keep) }
        }
    }

    @inline(__always)
    private mutating func take(slot: Int32, into ready: inout [PendingInput]) {
        if let input = slab[Int(slot)].take() {
            stringBytes -= Self.stringBytes(input)
            ready.append(input)
            if keys != nil { keys!.unlink(slot) }
        }
        freeSlots.append(slot)
    }

    // MARK: By group (early alerts)

    /// The groups that gained a waiting input, or were ``touch(key:hash:)``ed, since the last call, in
    /// the order they did (each once), as (key, key hash). Empty without a key index.
    mutating func takeTouched() -> [(key: String, hash: UInt64)] {
        guard keys != nil else { return [] }
        let nodes = keys!.takeTouched()
        return nodes.map { node in
            let head = keys!.nodes[Int(node)].head
            return (key: slab[Int(head)]!.key, hash: keys!.nodes[Int(node)].hash)
        }
    }

    /// Marks a group to be reported by the next ``takeTouched()`` if it has waiting inputs.
    mutating func touch(key: String, hash: UInt64) {
        guard keys != nil, let node = find(key: key, hash: hash) else { return }
        keys!.markTouched(node)
    }

    /// Calls `body` with every waiting input of a group, in no particular order.
    func forEachInput(key: String, hash: UInt64, _ body: (PendingInput) -> Void) {
        guard let keys, let node = find(key: key, hash: hash) else { return }
        var slot = keys.nodes[Int(node)].head
        while slot >= 0 {
            body(slab[Int(slot)]!)
            slot = keys.following[Int(slot)]
        }
    }

    /// How many inputs of a group wait.
    func count(key: String, hash: UInt64) -> Int {
        guard let keys, let node = find(key: key, hash: hash) else { return 0 }
        return Int(keys.nodes[Int(node)].count)
    }

    private func find(key: String, hash: UInt64) -> Int32? {
        keys?.find(hash: hash) { slab[Int($0)]!.key == key }
    }

    /// The waiting inputs of each group, as lists through their slab slots: a node per group with
    /// waiting inputs, found by the key's hash (keys compared through the node's first input), and
    /// per slab slot the node it belongs to and its neighbours. 12 bytes per waiting input and about
    /// 40 per group.
    private struct KeyIndex {
        struct Node {
            var hash: UInt64
            /// First slab slot of the list (-1: the node is free).
            var head: Int32
            var count: Int32
            var touched: Bool
        }

        var index = HashIndex()
        var nodes: [Node] = []
        var freeNodes: [Int32] = []
        var nodeOfSlot: [Int32] = []
        var following: [Int32] = []
        var preceding: [Int32] = []
        var touched: [Int32] = []

        var memoryBytes: Int {
            index.capacityBytes + nodes.capacity * MemoryLayout<Node>.stride + (freeNodes.capacity + touched.capacity) * 4
                + (nodeOfSlot.capacity + following.capacity + preceding.capacity) * 4
        }

        /// The node whose first input's key `matches`.
        func find(hash: UInt64, matches: (Int32) -> Bool) -> Int32? {
            index.find(hash: hash) { matches(nodes[Int($0)].head) }.map { Int32($0) }
        }

        mutating func link(_ slot: Int32, of input: PendingInput, slab: [PendingInput?]) {
            if nodeOfSlot.count < slab.count {
                let grow = slab.count - nodeOfSlot.count
                nodeOfSlot.append(contentsOf: repeatElement(-1, count: grow))
                following.append(contentsOf: repeatElement(-1, count: grow))
                preceding.append(contentsOf: repeatElement(-1, count: grow))
            }
            let node: Int32
            if let found = find(hash: input.keyHash, matches: { slab[Int($0)]!.key == input.key }) {
                node = found
            } else {
                let fresh = Node(hash: input.keyHash, head: -1, count: 0, touched: false)
                if let reused = freeNodes.popLast() {
                    node = reused
                    nodes[Int(node)] = fresh
                } else {
                    node = Int32(nodes.count)
                    nodes.append(fresh)
                }
                do {
                    // The copy ends with this scope, before `nodes` changes again.
                    let all = nodes
                    index.insert(UInt32(node), hash: input.keyHash) { all[Int($0)].hash }
                }
            }
            let head = nodes[Int(node)].head
            nodeOfSlot[Int(slot)] = node
            following[Int(slot)] = head
            preceding[Int(slot)] = -1
            if head >= 0 { preceding[Int(head)] = slot }
            nodes[Int(node)].head = slot
            nodes[Int(node)].count += 1
            markTouched(node)
        }

        mutating func unlink(_ slot: Int32) {
            let node = nodeOfSlot[Int(slot)]
            guard node >= 0 else { return }
            let before = preceding[Int(slot)], after = following[Int(slot)]
            if before >= 0 { following[Int(before)] = after } else { nodes[Int(node)].head = after }
            if after >= 0 { preceding[Int(after)] = before }
            nodeOfSlot[Int(slot)] = -1
            nodes[Int(node)].count -= 1
            guard nodes[Int(node)].count == 0 else { return }
            do {
                let all = nodes
                index.remove(UInt32(node), hash: all[Int(node)].hash) { all[Int($0)].hash }
            }
            nodes[Int(node)].head = -1
            nodes[Int(node)].touched = false
            freeNodes.append(node)
        }

        mutating func markTouched(_ node: Int32) {
            guard !nodes[Int(node)].touched else { return }
            nodes[Int(node)].touched = true
            touched.append(node)
        }

        /// Nodes touched and still holding inputs, each once; clears their marks.
        mutating func takeTouched() -> [Int32] {
            var out: [Int32] = []
            for node in touched where nodes[Int(node)].touched && nodes[Int(node)].head >= 0 {
                nodes[Int(node)].touched = false
                out.append(node)
            }
            touched.removeAll(keepingCapacity: true)
            return out
        }

        /// Empties the index (every node is free once no input waits).
        mutating func removeAll(keepingCapacity keep: Bool) {
            if !keep { index = HashIndex() }
            nodes.removeAll(keepingCapacity: keep)
            freeNodes.removeAll(keepingCapacity: keep)
            nodeOfSlot.removeAll(keepingCapacity: keep)
            following.removeAll(keepingCapacity: keep)
            preceding.removeAll(keepingCapacity: keep)
            touched.removeAll(keepingCapacity: keep)
        }
    }
}
