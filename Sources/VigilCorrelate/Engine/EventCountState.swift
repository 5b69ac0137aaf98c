/// `event_count`: per group, the events in the window: their times, evidence and how many each entry
/// stands for.
///
/// The events of one instant are kept as at most ``keptPerInstant`` entries (the evidence an alert
/// can print: alerts list the oldest events of the window, in order), the last one counting the rest
/// of the instant. State therefore grows with the distinct instants in a window, not with the events:
/// 16,000 failures of one source in the same second cost ten entries, where they cost 16,000 (a flood
/// of same-second lines took gigabytes). Counts, windows and evidence are exactly what one entry per
/// event gave.
///
/// The oldest entry of a group's window is kept in per-group arrays and the others in a chunked queue,
/// so the common group (one event in its window, as with a million scanning sources) costs 28 bytes
/// here and no chunk.
struct EventCountState: WindowState {
    /// Marks a group without events (evidence references never take this value).
    static let noEvent = UInt32.max

    let span: Int64
    let threshold: CorrelationThreshold
    /// Entries kept per instant: the evidence an alert prints (``CorrelationOptions/evidencePerAlert``).
    let keptPerInstant: Int
    /// Per entry, the events it stands for.
    var pool = EntryPool<UInt32>(emptyPayload: 0)
    /// The oldest entry of each group's window: its time, evidence (``noEvent`` when none) and events.
    var firstTimes: [Int64] = []
    var firstRefs: [UInt32] = []
    var firstCounts: [UInt32] = []
    /// Events in each group's window.
    var totals: [Int] = []
    /// The group's later entries.
    var queues: [EntryQueue] = []

    init(span: Int64, threshold: CorrelationThreshold, keptPerInstant: Int = 10) {
        self.span = span
        self.threshold = threshold
        self.keptPerInstant = max(1, keptPerInstant)
    }

    func count(_ group: Int) -> Int { totals[group] }

    mutating func push(_ group: Int, time: Int64, ref: UInt32, events: UInt32) {
        totals[group] += Int(events)
        if firstRefs[group] == Self.noEvent {
            firstTimes[group] = time
            firstRefs[group] = ref
            firstCounts[group] = events
        } else {
            pool.push(&queues[group], time: time, ref: ref, payload: events)
        }
    }

    /// Drops the oldest entry; the next one, if any, moves out of the queue.
    mutating func popFront(_ group: Int) {
        totals[group] -= Int(firstCounts[group])
        guard queues[group].count > 0 else {
            firstRefs[group] = Self.noEvent
            return
        }
        let front = pool.frontPosition(queues[group])
        firstTimes[group] = pool.times[front]
        firstRefs[group] = pool.refs[front]
        firstCounts[group] = pool.payload[front]
        pool.popFront(&queues[group])
    }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let group = Int(group)
        let kept = min(events.count, keptPerInstant)
        for index in 0..<kept {
            // The last kept entry stands for the events of the instant beyond it.
            let stands = index == kept - 1 ? UInt32(events.count - kept + 1) : 1
            push(group, time: time, ref: events[index].ref, events: stands)
        }
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

    func measure(_ group: UInt32) -> Double? { Double(totals[Int(group)]) }

    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry]) {
        let g = Int(group)
        guard firstRefs[g] != Self.noEvent else { return }
        if firstTimes[g] >= time { entries.append(KnownEntry(time: firstTimes[g], weight: Double(firstCounts[g]), ref: firstRefs[g])) }
        let pool = self.pool
        pool.forEach(queues[g]) { position in
            if pool.times[position] >= time {
                entries.append(KnownEntry(time: pool.times[position], weight: Double(pool.payload[position]), ref: pool.refs[position]))
            }
            return true
        }
    }

    func liveBytes(groups: Int) -> Int { groups * 28 + pool.liveBytes }

    mutating func reset(_ group: UInt32) {
        let group = Int(group)
        firstRefs[group] = Self.noEvent
        totals[group] = 0
        queues[group] = EntryQueue()
    }

    mutating func release(_ group: UInt32) {
        let group = Int(group)
        pool.release(&queues[group])
        firstRefs[group] = Self.noEvent
        totals[group] = 0
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&firstTimes, to: slots, with: 0, reserve: reserve)
        growArray(&firstRefs, to: slots, with: Self.noEvent, reserve: reserve)
        growArray(&firstCounts, to: slots, with: 0, reserve: reserve)
        growArray(&totals, to: slots, with: 0, reserve: reserve)
        growArray(&queues, to: slots, with: EntryQueue(), reserve: reserve)
    }

    var memoryBytes: Int {
        pool.capacityBytes + queues.capacity * MemoryLayout<EntryQueue>.stride + firstTimes.capacity * 8
            + (firstRefs.capacity + firstCounts.capacity) * 4 + totals.capacity * 8
    }
}
