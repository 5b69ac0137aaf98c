/// `value_sum`, `value_avg`, `value_percentile` and `value_median`: per group, the numeric values in the
/// window with their times, and a running sum. Inputs without a number still evaluate the window (as
/// anchors) but add nothing; a window without any number has no metric and never qualifies.
struct NumericState: WindowState {
    enum Aggregate {
        case sum
        case average
        case percentile(Double)
    }
    let span: Int64
    let threshold: CorrelationThreshold
    let aggregate: Aggregate
    private var pool = EntryPool<Double>(emptyPayload: 0)
    private var queues: [EntryQueue] = []
    private var sums: [Double] = []
    private var scratch: [Double] = []

    init(span: Int64, threshold: CorrelationThreshold, aggregate: Aggregate) {
        self.span = span
        self.threshold = threshold
        self.aggregate = aggregate
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&queues, to: slots, with: EntryQueue(), reserve: reserve)
        growArray(&sums, to: slots, with: 0, reserve: reserve)
        pool.reserve(chunks: reserve)
    }

    mutating func reset(_ group: UInt32) {
        queues[Int(group)] = EntryQueue()
        sums[Int(group)] = 0
    }

    mutating func release(_ group: UInt32) { pool.release(&queues[Int(group)]) }

    var memoryBytes: Int { pool.capacityBytes + queues.capacity * MemoryLayout<EntryQueue>.stride + sums.capacity * 8 }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let g = Int(group)
        for event in events where !event.number.isNaN {
            pool.push(&queues[g], time: time, ref: event.ref, payload: event.number)
            sums[g] += event.number
        }
        let start = time &- span
        while queues[g].count > 0 {
            let front = pool.frontPosition(queues[g])
            guard pool.times[front] < start else { break }
            sums[g] -= pool.payload[front]
            pool.popFront(&queues[g])
        }
        // An empty window restarts the sum at exactly zero, so rounding errors do not accumulate.
        if queues[g].count == 0 { sums[g] = 0 }
        guard let metric = metric(group: g), threshold.holds(metric) else { return nil }
        pool.forEach(queues[g]) { context.addEvidence(pool.refs[$0]) }
        return QualifiedWindow(start: start, end: time, metric: metric, inputs: Int(queues[g].count))
    }

    private mutating func metric(group g: Int) -> Double? {
        let count = Int(queues[g].count)
        guard count > 0 else { return nil }
        switch aggregate {
        case .sum:
            return sums[g]
        case .average:
            return sums[g] / Double(count)
        case .percentile(let p):
            scratch.removeAll(keepingCapacity: true)
            pool.forEach(queues[g]) {
                scratch.append(pool.payload[$0])
                return true
            }
            scratch.sort()
            // Linear interpolation between closest ranks, as the reference implementation computes it.
            let position = Double(count - 1) * (p / 100)
            let lower = Int(position.rounded(.down))
            let fraction = position - Double(lower)
            let upper = min(lower + 1, count - 1)
            return scratch[lower] * (1 - fraction) + (upper == lower ? 0 : scratch[upper] * fraction)
        }
    }
}
