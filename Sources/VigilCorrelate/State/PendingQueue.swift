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

/// Inputs of one rule waiting for the watermark, in any arrival order: a slab of inputs and a binary
/// min-heap of (time, slab slot). Taking the inputs before a watermark costs O(k log n) for k of them,
/// however many later ones wait (with a lateness of seconds at high rates, most do).
struct PendingQueue {
    private struct Entry {
        var time: Int64
        var slot: Int32
    }

    private var slab: [PendingInput?] = []
    private var freeSlots: [Int32] = []
    private var heap: [Entry] = []
    /// Heap bytes of the waiting inputs' long keys and values.
    private var stringBytes = 0

    var count: Int { heap.count }

    /// Bytes the waiting inputs hold (the slab and heap as allocated, long strings): what the state
    /// budget counts. Allocated, not used: both grow by doubling, and they are given back once emptied
    /// (see ``takeAll(before:into:)``), so this falls when the inputs have been applied.
    var liveBytes: Int { memoryBytes + stringBytes }

    /// The latest time of any waiting input (`Int64.min` when none waits).
    var latestTime: Int64 { heap.reduce(Int64.min) { max($0, $1.time) } }

    @inline(__always)
    private static func stringBytes(_ input: PendingInput) -> Int {
        StringCost.heapBytes(input.key) + StringCost.heapBytes(input.value)
    }
    var isEmpty: Bool { heap.isEmpty }

    var memoryBytes: Int {
        slab.capacity * MemoryLayout<PendingInput?>.stride + freeSlots.capacity * 4 + heap.capacity * MemoryLayout<Entry>.stride
    }

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
        while let top = heap.first, top.time < time {
            if let input = slab[Int(top.slot)].take() {
                stringBytes -= Self.stringBytes(input)
                ready.append(input)
            }
            freeSlots.append(top.slot)
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
        if heap.isEmpty, slab.count > 1024 {
            // Nothing waits: give back a slab grown by a burst.
            slab.removeAll()
            freeSlots.removeAll()
        }
    }
}
