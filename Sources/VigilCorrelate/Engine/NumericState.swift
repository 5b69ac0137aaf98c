/// `value_sum`, `value_avg`, `value_percentile` and `value_median`: per group, the numeric values in the
/// window with their times, and a running sum. Inputs without a number still evaluate the window (as
/// anchors) but add nothing; a window without any number has no metric and never qualifies.
///
/// For sums and averages the values of one instant beyond ``keptPerInstant`` (the evidence an alert
/// prints) are folded into the instant's last entry (their sum and how many they are), so state grows
/// with the distinct instants of a window, not with its events, and every result stays what one entry
/// per value gave. Percentiles need every value: one entry each.
struct NumericState: WindowState {
    enum Aggregate {
        case sum
        case average
        case percentile(Double)
    }

    /// What an entry adds: the sum of its values and how many they are.
    struct Measure {
        var sum: Double
        var values: UInt32
    }

    let span: Int64
    let threshold: CorrelationThreshold
    let aggregate: Aggregate
    /// Entries kept per instant for sums and averages (``CorrelationOptions/evidencePerAlert``).
    let keptPerInstant: Int
    var pool = EntryPool<Measure>(emptyPayload: Measure(sum: 0, values: 0))
    var queues: [EntryQueue] = []
    var sums: [Double] = []
    /// Values in each group's window.
    var totals: [Int] = []
    var scratch: [Double] = []

    init(span: Int64, threshold: CorrelationThreshold, aggregate: Aggregate, keptPerInstant: Int = 10) {
        self.span = span
        self.threshold = threshold
        self.aggregate = aggregate
        self.keptPerInstant = max(1, keptPerInstant)
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&queues, to: slots, with: EntryQueue(), reserve: reserve)
        growArray(&sums, to: slots, with: 0, reserve: reserve)
        growArray(&totals, to: slots, with: 0, reserve: reserve)
        pool.reserve(chunks: reserve)
    }

    mutating func reset(_ group: UInt32) {
        queues[Int(group)] = EntryQueue()
        sums[Int(group)] = 0
        totals[Int(group)] = 0
    }

    mutating func release(_ group: UInt32) {
        pool.release(&queues[Int(group)])
        totals[Int(group)] = 0
    }

    var memoryBytes: Int {
        pool.capacityBytes + queues.capacity * MemoryLayout<EntryQueue>.stride + sums.capacity * 8 + totals.capacity * 8
    }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        let g = Int(group)
        var folds = true
        if case .percentile = aggregate { folds = false }
        var kept = 0
        for event in events where !event.number.isNaN {
            sums[g] += event.number
            totals[g] += 1
            if folds && kept == keptPerInstant {
                // Beyond the evidence: into the instant's last entry (the back of the queue).
                pool.updateBack(queues[g]) {
                    $0.sum += event.number
                    $0.values += 1
                }
                continue
            }
            pool.push(&queues[g], time: time, ref: event.ref, payload: Measure(sum: event.number, values: 1))
            kept += 1
        }
        let start = time &- span
        while queues[g].count > 0 {
            let front = pool.frontPosition(queues[g])
            guard pool.times[front] < start else { break }
            sums[g] -= pool.payload[front].sum
            totals[g] -= Int(pool.payload[front].values)
            pool.popFront(&queues[g])
        }
        // An empty window restarts the sum at exactly zero, so rounding errors do not accumulate.
        if queues[g].count == 0 { sums[g] = 0 }
        guard let metric = metric(group: g), threshold.holds(metric) else { return nil }
        pool.forEach(queues[g]) { context.addEvidence(pool.refs[$0]) }
        return QualifiedWindow(start: start, end: time, metric: metric, inputs: totals[g])
    }

    /// Sums only: an average or percentile can fall as values come.
    func measure(_ group: UInt32) -> Double? {
        guard case .sum = aggregate else { return nil }
        return totals[Int(group)] > 0 ? sums[Int(group)] : 0
    }

    func liveBytes(groups: Int) -> Int { groups * 28 + pool.liveBytes }

    /// Sums only (early alerts do not apply to averages and percentiles).
    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry]) {
        guard case .sum = aggregate else { return }
        let pool = self.pool
        pool.forEach(queues[Int(group)]) { position in
            if pool.times[position] >= time {
                let measure = pool.payload[position]
                entries.append(
                    KnownEntry(time: pool.times[position], weight: measure.sum, values: Int(measure.values), ref: pool.refs[position]))
            }
            return true
        }
    }

    private mutating func metric(group g: Int) -> Double? {
        let count = totals[g]
        guard count > 0 else { return nil }
        switch aggregate {
        case .sum:
            return sums[g]
        case .average:
            return sums[g] / Double(count)
        case .percentile(let p):
            scratch.removeAll(keepingCapacity: true)
            pool.forEach(queues[g]) {
                scratch.append(pool.payload[$0].sum)
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
