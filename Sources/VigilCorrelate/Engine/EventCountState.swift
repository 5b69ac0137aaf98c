/// `event_count`: per group, the times (and evidence) of the events in the window.
///
/// The oldest event of a group's window is kept in per-group arrays and the others in a chunked queue,
/// so the common group (one event in its window, as with a million scanning sources) costs 24 bytes
/// here and no chunk.
struct EventCountState: WindowState {
    /// Marks a group without events (evidence references never take this value).
    static let noEvent = UInt32.max

    let span: Int64
    let threshold: CorrelationThreshold
    var pool = EntryPool<NoPayload>()
    /// The oldest event of each group's window: its time and evidence (``noEvent`` when none).
    var firstTimes: [Int64] = []
    var firstRefs: [UInt32] = []
    /// The group's later events.
    var queues: [EntryQueue] = []

    func count(_ group: Int) -> Int { (firstRefs[group] == Self.noEvent ? 0 : 1) + Int(queues[group].count) }

    mutating func push(_ group: Int, time: Int64, ref: UInt32) {
        if firstRefs[group] == Self.noEvent {
            firstTimes[group] = time
            firstRefs[group] = ref
        } else {
            pool.push(&queues[group], time: time, ref: ref)
        }
    }

    /// Drops the oldest event; the next one, if any, moves out of the queue.
    mutating func popFront(_ group: Int) {
        guard queues[group].count > 0 else {
            firstRefs[group] = Self.noEvent
            return
        }
        let front = pool.frontPosition(queues[group])
        firstTimes[group] = pool.times[front]
        firstRefs[group] = pool.refs[front]
        pool.popFront(&queues[group])
    }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let group = Int(group)
        for event in events { push(group, time: time, ref: event.ref) }
        let start = time &- span
        while firstRefs[group] != Self.noEvent, firstTimes[group] < start { popFront(group) }
        let count = count(group)
        guard threshold.holds(Double(count)) else { return nil }
        if count > 0, context.addEvidence(firstRefs[group]) {
            let pool = self.pool
            pool.forEach(queues[group]) { context.addEvidence(pool.refs[$0]) }
        }
        return QualifiedWindow(start: start, end: time, metric: Double(count), inputs: count)
    }

    mutating func reset(_ group: UInt32) {
        let group = Int(group)
        firstRefs[group] = Self.noEvent
        queues[group] = EntryQueue()
    }

    mutating func release(_ group: UInt32) {
        let group = Int(group)
        pool.release(&queues[group])
        firstRefs[group] = Self.noEvent
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&firstTimes, to: slots, with: 0, reserve: reserve)
        growArray(&firstRefs, to: slots, with: Self.noEvent, reserve: reserve)
        growArray(&queues, to: slots, with: EntryQueue(), reserve: reserve)
    }

    var memoryBytes: Int {
        pool.capacityBytes + queues.capacity * MemoryLayout<EntryQueue>.stride + firstTimes.capacity * 8
            + firstRefs.capacity * 4
    }
}
