/// Each correlation type's group state in a snapshot (docs/correlation.md, "Restarts"): written per
/// group as plain entries (time, evidence reference, what the entry counts), read back with every length
/// checked against the rule (sources, chain cells) and the bytes left, and restored into a new group by
/// replaying the entries through the state's own structures, so that a state file can hold nothing a
/// run could not have built.
extension EventCountState {
    /// Entries, oldest first: time, evidence, events (the first entry is the one kept outside the pool).
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) {
        let g = Int(group)
        guard firstRefs[g] != Self.noEvent else {
            out.count(0)
            return
        }
        out.count(1 + Int(queues[g].count))
        out.i64(firstTimes[g])
        out.ref(firstRefs[g])
        out.u32(firstCounts[g])
        pool.forEach(queues[g]) { position in
            out.i64(pool.times[position])
            out.ref(pool.refs[position])
            out.u32(pool.payload[position])
            return true
        }
    }

    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow {
        var window = SnapshotWindow()
        let count = try input.count(minimumBytes: 16)
        window.entries.reserveCapacity(count)
        for _ in 0..<count {
            let time = try input.i64(), ref = try input.u32(), events = try input.u32()
            guard events >= 1, events <= SnapshotLimits.maxCount else {
                throw CorrelationSnapshotError("an event_count entry standing for \(events) events")
            }
            window.entries.append(SnapshotEntry(time: time, ref: ref, count: events))
        }
        return window
    }

    mutating func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32) {
        for entry in window.entries { push(Int(group), time: entry.time, ref: refs(entry.ref), events: entry.count) }
    }
}

extension ValueCountState {
    /// Distinct values, the least recently seen first: value, last seen, evidence.
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) {
        var nodes = 0
        var node = heads[Int(group)]
        while node != Self.none {
            nodes += 1
            node = following[Int(node)]
        }
        out.count(nodes)
        node = heads[Int(group)]
        while node != Self.none {
            out.string(values[Int(node)])
            out.i64(seen[Int(node)])
            out.ref(refs[Int(node)])
            node = following[Int(node)]
        }
    }

    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow {
        var window = SnapshotWindow()
        let count = try input.count(minimumBytes: 16)
        window.entries.reserveCapacity(count)
        window.values.reserveCapacity(count)
        var listed = Set<String>()
        for _ in 0..<count {
            let value = try input.string(), seen = try input.i64(), ref = try input.u32()
            guard listed.insert(value).inserted else { throw CorrelationSnapshotError("a value_count value listed twice in one group") }
            window.values.append(value)
            window.entries.append(SnapshotEntry(time: seen, ref: ref))
        }
        return window
    }

    mutating func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32) {
        for (entry, value) in zip(window.entries, window.values) {
            let hash = Self.hash(group: group, value: value)
            let node = allocate(value: value, group: group, hash: hash, time: entry.time, ref: refs(entry.ref))
            let hashes = nodeHashes
            index.insert(node, hash: hash) { hashes[Int($0)] }
            append(node, group: group)
            distinct[Int(group)] += 1
        }
    }
}

extension NumericState {
    /// The running sum, then entries oldest first: time, evidence, sum, values folded in.
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) {
        let g = Int(group)
        out.f64(sums[g])
        out.count(Int(queues[g].count))
        pool.forEach(queues[g]) { position in
            out.i64(pool.times[position])
            out.ref(pool.refs[position])
            out.f64(pool.payload[position].sum)
            out.u32(pool.payload[position].values)
            return true
        }
    }

    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow {
        var window = SnapshotWindow()
        window.sum = try input.f64()
        let count = try input.count(minimumBytes: 24)
        window.entries.reserveCapacity(count)
        // Percentiles keep every value as an entry of its own; sums and averages fold.
        var most = SnapshotLimits.maxCount
        if case .percentile = aggregate { most = 1 }
        for _ in 0..<count {
            let time = try input.i64(), ref = try input.u32(), sum = try input.u64(), values = try input.u32()
            guard values >= 1, values <= most else {
                throw CorrelationSnapshotError("a numeric entry holding \(values) values")
            }
            window.entries.append(SnapshotEntry(time: time, ref: ref, count: values, payload: sum))
        }
        return window
    }

    mutating func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32) {
        let g = Int(group)
        for entry in window.entries {
            let measure = Measure(sum: Double(bitPattern: entry.payload), values: entry.count)
            pool.push(&queues[g], time: entry.time, ref: refs(entry.ref), payload: measure)
            totals[g] += Int(entry.count)
        }
        sums[g] = window.sum
    }
}

extension TemporalState {
    /// Per source its last match and evidence, per chain cell its start, then the absence anchors
    /// (time, evidence, clause bits), oldest first.
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) {
        let base = Int(group) * sourceCount
        for source in base..<base + sourceCount {
            out.i64(lastSeen[source])
            out.ref(lastRef[source])
        }
        let chainBase = Int(group) * chainWidth
        for cell in chainBase..<chainBase + chainWidth { out.i64(chains[cell]) }
        guard !forward.isEmpty else {
            out.count(0)
            return
        }
        out.count(Int(anchorQueues[Int(group)].count))
        anchors.forEach(anchorQueues[Int(group)]) { position in
            out.i64(anchors.times[position])
            out.ref(anchors.refs[position])
            out.u64(anchors.payload[position])
            return true
        }
    }

    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow {
        var window = SnapshotWindow()
        guard sourceCount * 12 + chainWidth * 8 <= input.remaining else { throw CorrelationSnapshotError("truncated temporal group") }
        for _ in 0..<sourceCount {
            window.sourceTimes.append(try input.i64())
            window.sourceRefs.append(try input.u32())
        }
        for _ in 0..<chainWidth { window.chains.append(try input.i64()) }
        let count = try input.count(minimumBytes: 20)
        guard count == 0 || !forward.isEmpty else { throw CorrelationSnapshotError("absence anchors for a rule without absence") }
        window.entries.reserveCapacity(count)
        for _ in 0..<count {
            let time = try input.i64(), ref = try input.u32(), payload = try input.u64()
            window.entries.append(SnapshotEntry(time: time, ref: ref, payload: payload))
        }
        return window
    }

    mutating func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32) {
        let base = Int(group) * sourceCount
        for source in 0..<sourceCount {
            lastSeen[base + source] = window.sourceTimes[source]
            lastRef[base + source] = refs(window.sourceRefs[source])
        }
        let chainBase = Int(group) * chainWidth
        for cell in 0..<chainWidth { chains[chainBase + cell] = window.chains[cell] }
        guard !forward.isEmpty else { return }
        for entry in window.entries {
            anchors.push(&anchorQueues[Int(group)], time: entry.time, ref: refs(entry.ref), payload: entry.payload)
        }
    }
}

extension ThresholdMachine {
    /// The counting operation: state (0 none, 1 counting, 2 fired), start, and its events (time,
    /// evidence).
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) {
        let g = Int(group)
        out.u8(states[g])
        out.i64(starts[g])
        out.count(Int(queues[g].count))
        pool.forEach(queues[g]) { position in
            out.i64(pool.times[position])
            out.ref(pool.refs[position])
            return true
        }
    }

    static func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotMachine {
        let state = try input.u8()
        guard state <= 2 else { throw CorrelationSnapshotError("threshold operation state \(state)") }
        let start = try input.i64()
        let count = try input.count(minimumBytes: 12)
        var entries: [SnapshotEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count { entries.append(SnapshotEntry(time: try input.i64(), ref: try input.u32())) }
        return SnapshotMachine(state: state, start: start, entries: entries)
    }

    mutating func restoreGroup(_ group: UInt32, _ machine: SnapshotMachine, refs: (UInt32) -> UInt32) {
        let g = Int(group)
        states[g] = machine.state
        starts[g] = machine.start
        for entry in machine.entries { pool.push(&queues[g], time: entry.time, ref: refs(entry.ref)) }
    }
}

extension EpisodeBook {
    /// The group's open episode, if any.
    func episode(of group: UInt32) -> Episode? {
        let position = index[Int(group)]
        return position == Self.none ? nil : episodes[Int(position)]
    }

    static func write(_ episode: Episode?, to out: inout SnapshotWriter) {
        guard let episode else {
            out.bool(false)
            return
        }
        out.bool(true)
        out.u64(episode.id)
        out.i64(episode.firstStart)
        out.i64(episode.firstEnd)
        out.i64(episode.lastEnd)
        out.i64(Int64(episode.windows))
        out.i64(Int64(episode.events))
        out.i64(Int64(episode.pending))
        out.f64(episode.peakMetric)
    }

    static func read(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> Episode? {
        guard try input.bool() else { return nil }
        let id = try input.u64(), firstStart = try input.i64(), firstEnd = try input.i64(), lastEnd = try input.i64()
        let windows = try input.i64(), events = try input.i64(), pending = try input.i64(), peak = try input.f64()
        // Counters grow by additions a run makes: far below these limits, they can never overflow.
        let limit = Int64(SnapshotLimits.maxTotal)
        guard (1...limit).contains(windows), (0...limit).contains(events), (0...limit).contains(pending), peak.isFinite else {
            throw CorrelationSnapshotError("an episode with impossible totals")
        }
        return Episode(
            id: id, firstStart: firstStart, firstEnd: firstEnd, lastEnd: lastEnd, windows: Int(windows), events: Int(events),
            pending: Int(pending), peakMetric: peak)
    }

    /// Gives a new group an open episode read from a snapshot.
    mutating func restore(group: UInt32, _ episode: Episode) {
        place(episode, for: group)
    }
}

/// Bounds on what a snapshot's counters may hold: far above anything a run reaches, far below where
/// later additions could overflow.
enum SnapshotLimits {
    /// Events or values one entry stands for.
    static let maxCount: UInt32 = 1 << 31
    /// An episode's totals.
    static let maxTotal = 1 << 48
    /// Source ids of detection inputs: the ids a run allocates start at 0, chained inputs use the top
    /// of the range (``FlushEnvironment/chainSource(rule:)``).
    static let maxSourceID: UInt32 = 1 << 31
}
