/// `event_count`: per group, the times (and evidence) of the events in the window, in a chunked queue.
final class EventCountEvaluator: WindowEvaluator {
    let span: Int64
    let threshold: CorrelationThreshold
    private var pool = EntryPool<NoPayload>()
    private var queues: [EntryQueue] = []

    init(span: Int64, threshold: CorrelationThreshold) {
        self.span = span
        self.threshold = threshold
    }

    func grow(slots: Int) { growArray(&queues, to: slots, with: EntryQueue()) }
    func reset(_ group: UInt32) { queues[Int(group)] = EntryQueue() }
    func release(_ group: UInt32) { pool.release(&queues[Int(group)]) }

    var memoryBytes: Int { pool.capacityBytes + queues.capacity * MemoryLayout<EntryQueue>.stride }

    func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let g = Int(group)
        for event in events { pool.push(&queues[g], time: time, ref: event.ref) }
        let start = time &- span
        while queues[g].count > 0, pool.times[pool.frontPosition(queues[g])] < start { pool.popFront(&queues[g]) }
        let count = Double(queues[g].count)
        guard threshold.holds(count) else { return nil }
        pool.forEach(queues[g]) { context.addEvidence(pool.refs[$0]) }
        return QualifiedWindow(start: start, end: time, metric: count, inputs: Int(count))
    }
}
