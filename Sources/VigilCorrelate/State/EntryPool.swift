/// Per-group queues of window entries (time, evidence reference, optional payload) stored in shared
/// fixed-size chunks, so a group costs one 12-byte ``EntryQueue`` header plus the chunks it uses, and
/// no Array per group.
///
/// Chunks hold two entries: an idle group with one entry in its window (the common case when a rule
/// tracks a million sources) costs 30 bytes of chunk (numeric types, threshold queues; event_count keeps
/// its first entry outside the pool), and a busy one 15 bytes per entry,
/// against 56 and 14 with chunks of four.
///
/// Entries are appended in time order and removed from the front as the window slides.
struct EntryPool<Payload> {
    /// Entries per chunk (``EntryQueue`` keeps the front offset in one bit).
    static var chunkSize: Int { 2 }

    private(set) var times: [Int64] = []
    private(set) var refs: [UInt32] = []
    /// Payload per entry (a number, slot masks...); ``NoPayload`` costs one byte per entry.
    private(set) var payload: [Payload] = []
    private var next: [UInt32] = []
    private var freeChunk: UInt32 = .max
    private let emptyPayload: Payload
    /// Entries in use, over all queues (for the state budget, see ``liveBytes``).
    private(set) var liveEntries = 0

    init(emptyPayload: Payload) {
        self.emptyPayload = emptyPayload
    }

    /// Bytes held by the pool's arrays (for stats and the memory benchmark).
    var capacityBytes: Int {
        times.capacity * 8 + refs.capacity * 4 + payload.capacity * MemoryLayout<Payload>.stride + next.capacity * 4
    }

    /// Bytes the entries in use take (their chunks' share included): what the state budget counts.
    /// Unlike ``capacityBytes`` it falls again when entries leave.
    var liveBytes: Int { liveEntries * (12 + MemoryLayout<Payload>.stride + 4 / Self.chunkSize) }

    /// Reserves room for `chunks` chunks (a rule about to hold many groups: one chunk each at least).
    mutating func reserve(chunks: Int) {
        guard next.capacity < chunks else { return }
        next.reserveCapacity(chunks)
        times.reserveCapacity(chunks * Self.chunkSize)
        refs.reserveCapacity(chunks * Self.chunkSize)
        payload.reserveCapacity(chunks * Self.chunkSize)
    }

    private mutating func allocateChunk() -> UInt32 {
        if freeChunk != .max {
            let chunk = freeChunk
            freeChunk = next[Int(chunk)]
            next[Int(chunk)] = .max
            return chunk
        }
        let chunk = UInt32(next.count)
        next.append(.max)
        for _ in 0..<Self.chunkSize {
            times.append(0)
            refs.append(0)
            payload.append(emptyPayload)
        }
        return chunk
    }

    private mutating func freeChunk(_ chunk: UInt32) {
        next[Int(chunk)] = freeChunk
        freeChunk = chunk
    }

    /// Appends an entry at the back of `queue`.
    mutating func push(_ queue: inout EntryQueue, time: Int64, ref: UInt32, payload value: Payload) {
        let used = Int(queue.start) + Int(queue.count)
        if queue.count == 0 {
            if queue.head == .max {
                queue.head = allocateChunk()
                queue.tail = queue.head
            }
            queue.start = 0
        } else if used % Self.chunkSize == 0 {
            let chunk = allocateChunk()
            next[Int(queue.tail)] = chunk
            queue.tail = chunk
        }
        let position = Int(queue.tail) * Self.chunkSize + (Int(queue.start) + Int(queue.count)) % Self.chunkSize
        times[position] = time
        refs[position] = ref
        payload[position] = value
        queue.count += 1
        liveEntries += 1
    }

    /// Storage position of the front entry. The queue must not be empty.
    func frontPosition(_ queue: EntryQueue) -> Int { Int(queue.head) * Self.chunkSize + Int(queue.start) }

    /// Removes the front entry.
    mutating func popFront(_ queue: inout EntryQueue) {
        queue.count -= 1
        liveEntries -= 1
        if queue.count == 0 {
            // Keep the emptied chunk for the next push: groups often refill right away.
            queue.start = 0
            if queue.head != queue.tail {
                var chunk = next[Int(queue.head)]
                freeChunk(queue.head)
                while chunk != queue.tail {
                    let following = next[Int(chunk)]
                    freeChunk(chunk)
                    chunk = following
                }
                next[Int(queue.tail)] = .max
                queue.head = queue.tail
            }
        } else if Int(queue.start) + 1 == Self.chunkSize {
            let following = next[Int(queue.head)]
            freeChunk(queue.head)
            queue.head = following
            queue.start = 0
        } else {
            queue.start += 1
        }
    }

    /// Calls `body` with the storage position of each entry from the front, until it returns false.
    func forEach(_ queue: EntryQueue, _ body: (Int) -> Bool) {
        var chunk = queue.head
        var offset = Int(queue.start)
        var remaining = Int(queue.count)
        while remaining > 0 {
            if !body(Int(chunk) * Self.chunkSize + offset) { return }
            remaining -= 1
            offset += 1
            if offset == Self.chunkSize, remaining > 0 {
                chunk = next[Int(chunk)]
                offset = 0
            }
        }
    }

    /// Updates the payload of every entry of `queue`, front to back.
    mutating func updatePayloads(_ queue: EntryQueue, _ update: (inout Payload) -> Void) {
        var chunk = queue.head
        var offset = Int(queue.start)
        var remaining = Int(queue.count)
        while remaining > 0 {
            update(&payload[Int(chunk) * Self.chunkSize + offset])
            remaining -= 1
            offset += 1
            if offset == Self.chunkSize, remaining > 0 {
                chunk = next[Int(chunk)]
                offset = 0
            }
        }
    }

    /// Updates the payload of the back (newest) entry of `queue`, which must not be empty.
    mutating func updateBack(_ queue: EntryQueue, _ update: (inout Payload) -> Void) {
        let back = Int(queue.tail) * Self.chunkSize + (Int(queue.start) + Int(queue.count) - 1) % Self.chunkSize
        update(&payload[back])
    }

    /// Returns every chunk of `queue` to the pool and empties it.
    mutating func release(_ queue: inout EntryQueue) {
        liveEntries -= Int(queue.count)
        var chunk = queue.head
        while chunk != .max {
            let following = chunk == queue.tail ? UInt32.max : next[Int(chunk)]
            freeChunk(chunk)
            chunk = following
        }
        queue = EntryQueue()
    }
}

/// The header of one group's queue in an ``EntryPool``: 12 bytes.
struct EntryQueue {
    var head: UInt32 = .max
    var tail: UInt32 = .max
    /// Entries (low 31 bits) and the front entry's offset in the head chunk (top bit).
    private var packed: UInt32 = 0

    var count: UInt32 {
        get { packed & 0x7FFF_FFFF }
        set { packed = (packed & 0x8000_0000) | newValue }
    }

    var start: UInt32 {
        get { packed >> 31 }
        set { packed = (packed & 0x7FFF_FFFF) | (newValue << 31) }
    }
}

/// The payload of pools that need none.
struct NoPayload {}

extension EntryPool where Payload == NoPayload {
    init() { self.init(emptyPayload: NoPayload()) }

    mutating func push(_ queue: inout EntryQueue, time: Int64, ref: UInt32) {
        push(&queue, time: time, ref: ref, payload: NoPayload())
    }
}
