/// `temporal` and `temporal_ordered`, with a threshold on the number of matched rules or an extended
/// condition (SEP #198).
///
/// Per group it keeps, per source, the time it last matched: a source is present in a window iff that
/// time is in it. Order is checked with a small table per group: for each prefix of a required chain,
/// the latest start of a strictly time-ordered match ending so far; a window `[a, b]` holds the chain
/// iff that start is at or after `a`. Clauses with an absent rule look forward: an anchor at `t` waits
/// for the watermark to pass `t + span` (see TemporalState+Absence.swift).
struct TemporalState: WindowState {
    struct ClausePlan {
        var present: [Int]
        var presentMask: UInt32
        var absentMask: UInt32
        /// Offset of this clause's chain in the per-group table (ordered rules).
        var chainOffset: Int
    }

    let span: Int64
    let sourceCount: Int
    let ordered: Bool
    /// Threshold mode: the condition on the number of matched sources.
    let threshold: CorrelationThreshold?
    /// Threshold mode, ordered: length of the ordered chain required (any `required` sources in order).
    let requiredChain: Int
    let backward: [ClausePlan]
    let forward: [ClausePlan]
    let absentUnion: UInt32
    let chainWidth: Int
    let allClauses: [ClausePlan]

    var lastSeen: [Int64] = []
    var lastRef: [UInt32] = []
    var chains: [Int64] = []
    var anchors = EntryPool<UInt64>(emptyPayload: 0)
    var anchorQueues: [EntryQueue] = []

    init(rule: CorrelationRule) {
        span = rule.timespan.nanoseconds
        sourceCount = rule.sources.count
        ordered = rule.type == .temporalOrdered
        var width = 0
        func plan(_ clause: CorrelationRule.Clause) -> ClausePlan {
            let offset = width
            width += clause.present.count
            return ClausePlan(
                present: clause.present, presentMask: clause.present.reduce(0) { $0 | 1 << UInt32($1) },
                absentMask: clause.absent.reduce(0) { $0 | 1 << UInt32($1) }, chainOffset: offset)
        }
        switch rule.condition {
        case .threshold(let t):
            threshold = t
            requiredChain = ordered ? (t.minimumCount ?? 0) : 0
            backward = []
            forward = []
            if ordered { width = sourceCount * max(requiredChain, 1) }
        case .expression(_, let clauses):
            threshold = nil
            requiredChain = 0
            backward = clauses.filter { $0.absent.isEmpty }.map(plan)
            forward = clauses.filter { !$0.absent.isEmpty }.map(plan)
        }
        chainWidth = ordered ? width : 0
        allClauses = backward + forward
        absentUnion = forward.reduce(0) { $0 | $1.absentMask }
    }

    mutating func grow(slots: Int, reserve: Int) {
        growArray(&lastSeen, to: slots * sourceCount, with: .min, reserve: reserve * sourceCount)
        growArray(&lastRef, to: slots * sourceCount, with: 0, reserve: reserve * sourceCount)
        growArray(&chains, to: slots * chainWidth, with: .min, reserve: reserve * chainWidth)
        if !forward.isEmpty { growArray(&anchorQueues, to: slots, with: EntryQueue(), reserve: reserve) }
    }

    mutating func reset(_ group: UInt32) {
        let base = Int(group) * sourceCount
        for i in base..<base + sourceCount {
            lastSeen[i] = .min
            lastRef[i] = 0
        }
        let chainBase = Int(group) * chainWidth
        for i in chainBase..<chainBase + chainWidth { chains[i] = .min }
        if !forward.isEmpty { anchorQueues[Int(group)] = EntryQueue() }
    }

    mutating func release(_ group: UInt32) {
        if !forward.isEmpty { anchors.release(&anchorQueues[Int(group)]) }
    }

    func liveBytes(groups: Int) -> Int {
        groups * (sourceCount * 12 + chainWidth * 8 + (forward.isEmpty ? 0 : 12)) + anchors.liveBytes
    }

    var memoryBytes: Int {
        lastSeen.capacity * 8 + lastRef.capacity * 4 + chains.capacity * 8 + anchors.capacityBytes
            + anchorQueues.capacity * MemoryLayout<EntryQueue>.stride
    }

    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        var matched: UInt32 = 0
        for event in events { matched |= event.slots }
        if ordered { advanceChains(group: group, matched: matched, time: time) }
        let base = Int(group) * sourceCount
        for source in 0..<sourceCount where matched & (1 << UInt32(source)) != 0 {
            lastSeen[base + source] = time
            lastRef[base + source] = events.first { $0.slots & (1 << UInt32(source)) != 0 }?.ref ?? 0
        }
        if !forward.isEmpty { updateAnchors(events, matched: matched, group: group, time: time, context: &context) }
        guard threshold != nil || !backward.isEmpty else { return nil }
        let start = time &- span
        let present = presentMask(group: group, since: start)
        let metric = Double(present.nonzeroBitCount)
        var holds = false
        if let threshold {
            holds = threshold.holds(metric) && (!ordered || requiredChain <= 0 || thresholdChainStart(group) >= start)
        } else {
            holds = backward.contains { clause in
                clause.presentMask & present == clause.presentMask && (!ordered || chainStart(clause, group: group) >= start)
            }
        }
        guard holds else { return nil }
        addEvidence(group: group, present: present, context: &context)
        return QualifiedWindow(start: start, end: time, metric: metric, inputs: Int(metric))
    }

    /// Sources whose last match is at or after `since`.
    func presentMask(group: UInt32, since: Int64, strictlyAfter: Bool = false) -> UInt32 {
        let base = Int(group) * sourceCount
        var mask: UInt32 = 0
        for source in 0..<sourceCount {
            let seen = lastSeen[base + source]
            if strictlyAfter ? seen > since : seen >= since { mask |= 1 << UInt32(source) }
        }
        return mask
    }

    func addEvidence(group: UInt32, present: UInt32, context: inout EvaluationContext) {
        let base = Int(group) * sourceCount
        for source in 0..<sourceCount where present & (1 << UInt32(source)) != 0 {
            if !context.addEvidence(lastRef[base + source]) { return }
        }
    }

    // MARK: Order

    /// Extends the ordered chains with the sources matched at `time`. Each table entry only reads
    /// entries of earlier positions, updated later in the loop, so a chain never uses two matches of the
    /// same instant (order is strict).
    private mutating func advanceChains(group: UInt32, matched: UInt32, time: Int64) {
        let base = Int(group) * chainWidth
        if threshold != nil {
            let length = max(requiredChain, 1)
            for j in stride(from: sourceCount - 1, through: 0, by: -1) where matched & (1 << UInt32(j)) != 0 {
                for l in stride(from: length, through: 1, by: -1) {
                    var candidate = Int64.min
                    if l == 1 {
                        candidate = time
                    } else {
                        for i in 0..<j { candidate = max(candidate, chains[base + i * length + l - 2]) }
                    }
                    let slot = base + j * length + l - 1
                    if candidate != .min, candidate > chains[slot] { chains[slot] = candidate }
                }
            }
            return
        }
        for clause in allClauses {
            for m in stride(from: clause.present.count - 1, through: 0, by: -1)
            where matched & (1 << UInt32(clause.present[m])) != 0 {
                let slot = base + clause.chainOffset + m
                let candidate = m == 0 ? time : chains[slot - 1]
                if candidate != .min, candidate > chains[slot] { chains[slot] = candidate }
            }
        }
    }

    func thresholdChainStart(_ group: UInt32) -> Int64 {
        let length = max(requiredChain, 1)
        let base = Int(group) * chainWidth
        var best = Int64.min
        for j in 0..<sourceCount { best = max(best, chains[base + j * length + length - 1]) }
        return best
    }

    func chainStart(_ clause: ClausePlan, group: UInt32) -> Int64 {
        guard !clause.present.isEmpty else { return .max }
        return chains[Int(group) * chainWidth + clause.chainOffset + clause.present.count - 1]
    }
}
