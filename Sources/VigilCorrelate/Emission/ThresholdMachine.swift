/// `--emit threshold`: SEC's SingleWithThreshold on an `event_count` rule, in event time.
///
/// Per group, a counting operation starts at its first event (time W). Each event at t: if t - W
/// exceeds the timespan, an operation that has not fired drops the times before t - span and restarts
/// at the oldest kept one (or ends if none is left), and one that has fired ends. A new operation
/// starts if none is running. An operation that has not fired records t and fires when it holds the
/// threshold count of events; after firing it swallows events until it ends. Times held are at most
/// the threshold count.
struct ThresholdMachine {
    let span: Int64
    let count: Int
    private var pool = EntryPool<NoPayload>()
    private var queues: [EntryQueue] = []
    private var starts: [Int64] = []
    /// 0: no operation, 1: counting, 2: fired.
    private var states: [UInt8] = []

    init(span: Int64, count: Int) {
        self.span = span
        self.count = max(1, count)
    }

    var memoryBytes: Int { pool.capacityBytes + queues.capacity * 16 + starts.capacity * 8 + states.capacity }

    /// What the state budget counts: per-group arrays and entries in use.
    func liveBytes(groups: Int) -> Int { groups * 25 + pool.liveBytes }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&queues, to: slots, with: EntryQueue(), reserve: reserve)
        pool.reserve(chunks: reserve)
        growArray(&starts, to: slots, with: 0, reserve: reserve)
        growArray(&states, to: slots, with: 0, reserve: reserve)
    }

    mutating func release(_ group: UInt32) {
        pool.release(&queues[Int(group)])
        states[Int(group)] = 0
    }

    /// Feeds one event; returns the fired window (start, metric) with its evidence when it fires.
    mutating func add(group: UInt32, time: Int64, ref: UInt32, context: inout EvaluationContext) -> QualifiedWindow? {
        let g = Int(group)
        if states[g] != 0, time &- starts[g] > span {
            if states[g] == 1 {
                while queues[g].count > 0, pool.times[pool.frontPosition(queues[g])] < time &- span { pool.popFront(&queues[g]) }
                if queues[g].count > 0 { starts[g] = pool.times[pool.frontPosition(queues[g])] } else { states[g] = 0 }
            } else {
                states[g] = 0
            }
        }
        if states[g] == 0 {
            pool.release(&queues[g])
            states[g] = 1
            starts[g] = time
        }
        guard states[g] == 1 else { return nil }
        pool.push(&queues[g], time: time, ref: ref)
        guard queues[g].count >= count else { return nil }
        states[g] = 2
        let metric = Double(queues[g].count)
        pool.forEach(queues[g]) { context.addEvidence(pool.refs[$0]) }
        pool.release(&queues[g])
        return QualifiedWindow(start: starts[g], end: time, metric: metric, inputs: Int(metric))
    }
}
