/// `event_count`: per group, the times (and evidence) of the events in the window, in a chunked queue.
final class EventCountEvaluator: WindowEvaluator {
    /// All mutable state in one struct: one exclusivity check per call instead of one per field access.
    private struct State {
        let span: Int64
        let threshold: CorrelationThreshold
        var pool = EntryPool<NoPayload>()
        var queues: [EntryQueue] = []

        mutating func add(_ events: [RunEvent], group: Int, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
            for event in events { pool.push(&queues[group], time: time, ref: event.ref) }
            let start = time &- span
            while queues[group].count > 0, pool.times[pool.frontPosition(queues[group])] < start { pool.popFront(&queues[group]) }
            let count = Double(queues[group].count)
            guard threshold.holds(count) else { return nil }
            let pool = self.pool
            pool.forEach(queues[group]) { context.addEvidence(pool.refs[$0]) }
            return QualifiedWindow(start: start, end: time, metric: count, inputs: Int(count))
        }

        mutating func release(_ group: Int) { pool.release(&queues[group]) }
    }

    private var state: State

    init(span: Int64, threshold: CorrelationThreshold) {
        state = State(span: span, threshold: threshold)
    }

    func grow(slots: Int, reserve: Int) {
        growArray(&state.queues, to: slots, with: EntryQueue(), reserve: reserve)
        state.pool.reserve(chunks: reserve)
    }
    func reset(_ group: UInt32) { state.queues[Int(group)] = EntryQueue() }
    func release(_ group: UInt32) { state.release(Int(group)) }

    var memoryBytes: Int { state.pool.capacityBytes + state.queues.capacity * MemoryLayout<EntryQueue>.stride }

    func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        state.add(events, group: Int(group), time: time, context: &context)
    }
}
