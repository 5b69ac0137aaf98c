import VigilAlert
import VigilEvent

/// What a rule's flush needs from its shard: evidence, scratch, counters and where outputs go.
struct FlushEnvironment {
    var evidence: EvidenceStore
    var printer: EvidencePrinter
    var context: EvaluationContext
    var stats = CorrelationStats()
    var alerts: [Alert] = []
    /// Inputs for rules that read the windows of the rule being flushed (list ``CorrelationBatch/shards``).
    var chained = CorrelationBatch(shards: 1)
    private var scratch: [UInt8] = []
    /// The last window ``writeDeferredWindow(_:)`` wrote.
    private(set) var deferred: [UInt8] = []

    init(evidence: EvidenceStore, printer: EvidencePrinter, context: EvaluationContext) {
        self.evidence = evidence
        self.printer = printer
        self.context = context
    }

    /// Identity of chained inputs: the child rule's marker source.
    static func chainSource(rule: Int) -> SourceID { SourceID(UInt32.max - UInt32(rule)) }

    /// The evidence of the references in `context.evidence`, written out as JSON.
    mutating func evidenceJSON() -> [String] {
        var out: [String] = []
        out.reserveCapacity(context.evidence.count)
        for ref in context.evidence {
            // `evidence` is read while `printer` and `scratch` change: distinct stored properties.
            if let json = Self.json(of: ref, in: evidence, printer: &printer, scratch: &scratch) {
                out.append(json)
            } else {
                stats.evidenceExpired += 1
            }
        }
        return out
    }

    /// One piece of evidence as JSON, or nil if it is no longer held.
    private static func json(
        of ref: UInt32, in evidence: borrowing EvidenceStore, printer: inout EvidencePrinter, scratch: inout [UInt8]
    ) -> String? {
        scratch.removeAll(keepingCapacity: true)
        let held: Void? = evidence.withEntry(ref) { form, time, bytes in
            printer.append(form: form, time: time, bytes: bytes, to: &scratch)
        }
        return held == nil ? nil : String(decoding: scratch, as: UTF8.self)
    }

    /// Writes a window for the rules that read it (``DeferredWindow``) into ``deferred``: the alert JSON
    /// prefix `writePrefix` appends, then the evidence of `context.evidence` as kept (copied, so it
    /// outlives this shard's evidence ring). Written in place, so a window costs no allocation.
    mutating func writeDeferredWindow(_ writePrefix: (inout [UInt8]) -> Void) {
        var held = 0
        var out: [UInt8] = []
        swap(&out, &deferred)
        DeferredWindow.write(into: &out, prefix: writePrefix) { out in
            for ref in context.evidence {
                let copied: Void? = evidence.withEntry(ref) { form, time, bytes in
                    DeferredWindow.appendItem(form: form, time: time, bytes: bytes, to: &out)
                }
                if copied != nil { held += 1 }
            }
            return held
        }
        swap(&out, &deferred)
        stats.evidenceExpired += context.evidence.count - held
    }
}

/// The state and logic of one correlation rule inside one shard. A struct, so that the shard's flush
/// mutates it under one exclusivity check rather than one per field access.
struct RuleRuntime {
    let rule: CorrelationRule
    let plan: RulePlan
    let consumerPlans: [RulePlan.SourcePlan]
    let span: Int64
    let factory: AlertFactory
    let evaluator: any WindowEvaluator
    let emit: CorrelationOptions.Emit
    let maxGroups: Int
    var machine: ThresholdMachine?
    var groups = GroupTable()
    var episodes = EpisodeBook()
    var timers = TimerHeap()
    var pending = PendingQueue()
    var ready: [PendingInput] = []
    var runEvents: [RunEvent] = []
    var order: [SortKey] = []
    /// See ``admit(time:keyHash:key:source:sequence:)``.
    let collapsesInstants: Bool
    /// Recent pending inputs (slab slots) by (group hash, time), for ``admit(time:keyHash:key:source:sequence:)``: a
    /// direct-mapped cache, so a collision only means an input is not collapsed (which changes nothing
    /// but speed).
    var collapseCache: [Int32] = []
    /// For rules that fire on high values (gt/gte on a count, a distinct count or a sum): the highest
    /// limit their measure must pass. Eviction then prefers groups far below it (see ``victim()``).
    let firingLimit: Double?
    /// Whether episodes of this rule open as soon as their condition holds (EarlyAlerts.swift).
    let early: Bool
    /// Escalation bounds of episodes (``CorrelationOptions/escalationCount``).
    let escalationCount: Int?
    let escalationDuration: Int64?
    /// value_sum with early alerts: groups whose values so far include a negative one or one that is
    /// not an integer (``ValueFlags``), for the group's lifetime.
    let tracksValues: Bool
    var valueFlags: [String: UInt8] = [:]
    /// Episode numbers per group and day, for episode ids (``EpisodeLedger``).
    var ledger = EpisodeLedger()
    /// Episodes opened early whose first window the watermark has not reached yet, by group key.
    var announced: [String: Announcement] = [:]
    /// Scratch of ``announceEarly(watermark:env:)``.
    var earlyInputs: [PendingInput] = []
    var earlyEntries: [KnownEntry] = []

    struct SortKey {
        var time: Int64
        var hash: UInt64
        var index: Int32
    }

    init(rule: CorrelationRule, plan: RulePlan, consumerPlans: [RulePlan.SourcePlan], options: CorrelationOptions) {
        self.rule = rule
        self.plan = plan
        self.consumerPlans = consumerPlans
        span = rule.timespan.nanoseconds
        factory = AlertFactory(rule: rule)
        emit = options.emit
        escalationCount = options.escalationCount
        escalationDuration = options.escalationDuration?.nanoseconds
        maxGroups = min(options.maxGroupsPerShard, GroupTable.maxSlots)
        evaluator = Self.makeEvaluator(rule, evidencePerAlert: options.evidencePerAlert)
        collapsesInstants = rule.type.isTemporal && rule.sources.count == 1
        if collapsesInstants { collapseCache = Array(repeating: -1, count: 1024) }
        if options.emit == .threshold, rule.type == .eventCount, case .threshold(let t) = rule.condition, let count = t.minimumCount {
            machine = ThresholdMachine(span: span, count: count)
        }
        if case .threshold(let t) = rule.condition, t.isLowerBoundOnly, !t.bounds.isEmpty,
            [.eventCount, .valueCount, .valueSum].contains(rule.type)
        {
            firingLimit = t.bounds.map(\.limit).max()
        } else {
            firingLimit = nil
        }
        let episodic = rule.emitsAlerts && (emit == .episodes || (emit == .threshold && machine == nil))
        early = options.earlyAlerts && episodic && firingLimit != nil
        tracksValues = early && rule.type == .valueSum
        pending = PendingQueue(indexedByKey: early)
    }

    static func makeEvaluator(_ rule: CorrelationRule, evidencePerAlert: Int) -> any WindowEvaluator {
        let span = rule.timespan.nanoseconds
        let threshold: CorrelationThreshold
        if case .threshold(let t) = rule.condition { threshold = t } else { threshold = CorrelationThreshold([]) }
        switch rule.type {
        case .eventCount:
            return StateEvaluator(EventCountState(span: span, threshold: threshold, keptPerInstant: evidencePerAlert))
        case .valueCount: return StateEvaluator(ValueCountState(span: span, threshold: threshold))
        case .valueSum:
            return StateEvaluator(NumericState(span: span, threshold: threshold, aggregate: .sum, keptPerInstant: evidencePerAlert))
        case .valueAvg:
            return StateEvaluator(NumericState(span: span, threshold: threshold, aggregate: .average, keptPerInstant: evidencePerAlert))
        case .valuePercentile, .valueMedian:
            return StateEvaluator(NumericState(span: span, threshold: threshold, aggregate: .percentile(rule.percentile ?? 50)))
        case .temporal, .temporalOrdered: return StateEvaluator(TemporalState(rule: rule))
        }
    }

    var memoryBytes: Int {
        groups.capacityBytes + pending.memoryBytes + evaluator.memoryBytes + (machine?.memoryBytes ?? 0) + timers.items.capacity * 24
            + episodes.memoryBytes + earlyBytes
    }

    /// Episode numbers, early episodes and value flags (about 48 bytes per entry).
    var earlyBytes: Int { (ledger.count + announced.count + valueFlags.count) * 48 }

    /// Bytes of the groups' state in use (without waiting inputs), and the scratch a flush keeps:
    /// what the state budget counts.
    var stateBytes: Int {
        groups.liveBytes + evaluator.liveBytes(groups: groups.count) + (machine?.liveBytes(groups: groups.count) ?? 0)
            + timers.items.count * 24 + episodes.count * (MemoryLayout<EpisodeBook.Episode>.stride + 4)
            + ready.capacity * MemoryLayout<PendingInput>.stride + order.capacity * MemoryLayout<SortKey>.stride + earlyBytes
    }

    /// Groups sampled from the least recently seen end when one must go.
    static let evictionSample = 8

    /// The group to evict: among the ``evictionSample`` least recently seen, the one furthest below
    /// the rule's firing limit (then the least recently seen), so that a group about to fire survives a
    /// flood of one-event groups; for other rules simply the least recently seen.
    func victim() -> UInt32 {
        guard let limit = firingLimit else { return groups.oldest }
        var chosen = groups.oldest
        var chosenDistance = -Double.infinity
        var slot = groups.oldest
        for _ in 0..<Self.evictionSample where slot != GroupTable.none {
            let distance = limit - (evaluator.measure(slot) ?? 0)
            if distance > chosenDistance {
                chosen = slot
                chosenDistance = distance
            }
            slot = groups.newer(than: slot)
        }
        return chosen
    }

    /// Evicts one group to free memory (``victim()``); false when the rule holds none.
    mutating func evictForMemory(env: inout FlushEnvironment) -> Bool {
        guard groups.oldest != GroupTable.none else { return false }
        env.stats.shedGroups += 1
        free(victim(), env: &env, evicted: true)
        return true
    }

    /// The group slot of a key, allocating (and evicting the least recently seen group) if needed.
    mutating func slot(for input: PendingInput, env: inout FlushEnvironment) -> UInt32 {
        if let slot = groups.find(input.key, hash: input.keyHash) { return slot }
        if groups.count >= maxGroups, groups.oldest != GroupTable.none {
            env.stats.evictedGroups += 1
            free(victim(), env: &env, evicted: true)
        }
        // Past 65,536 groups, per-group arrays reserve the rule's whole limit (see `growArray`).
        let reserve = groups.slotCount >= 65_536 ? maxGroups + 1 : 0
        let slot = groups.insert(input.key, hash: input.keyHash, time: input.time, reserve: reserve)
        evaluator.grow(slots: groups.slotCount, reserve: reserve)
        machine?.grow(slots: groups.slotCount, reserve: reserve)
        episodes.grow(slots: groups.slotCount, reserve: reserve)
        evaluator.reset(slot)
        return slot
    }

    /// Releases a group. An evicted group's open episode is closed with its totals so far.
    mutating func free(_ slot: UInt32, env: inout FlushEnvironment, evicted: Bool) {
        release(slot, env: &env)
        groups.remove(slot)
    }

    /// Closes a group's open episode and frees its window state (its table entry stays).
    mutating func release(_ slot: UInt32, env: inout FlushEnvironment) {
        if let episode = episodes.remove(group: slot), rule.emitsAlerts {
            let key = groups.keys[Int(slot)]
            emitClosing(episode, key: key, at: episode.lastEnd &+ span, env: &env)
            if early { pending.touch(key: key, hash: GroupKey.hash(key)) }
        }
        if tracksValues, !valueFlags.isEmpty { valueFlags[groups.keys[Int(slot)]] = nil }
        evaluator.release(slot)
        machine?.release(slot)
    }

    /// Frees groups whose last input left every window before the watermark.
    mutating func expire(before watermark: Int64, env: inout FlushEnvironment) {
        if groups.newest != GroupTable.none, Self.expires(groups.lastSeen(groups.newest), span: span, before: watermark) {
            // Every group goes (the end of input): the same frees in the same order, then the table
            // is emptied at once instead of group by group.
            var slot = groups.oldest
            while slot != GroupTable.none {
                env.stats.expiredGroups += 1
                release(slot, env: &env)
                slot = groups.newer(than: slot)
            }
            groups.removeAll()
            return
        }
        while groups.oldest != GroupTable.none {
            let slot = groups.oldest
            guard Self.expires(groups.lastSeen(slot), span: span, before: watermark) else { return }
            env.stats.expiredGroups += 1
            free(slot, env: &env, evicted: false)
        }
    }

    /// Whether a group last seen at `seen` has left every window before `watermark`.
    static func expires(_ seen: Int64, span: Int64, before watermark: Int64) -> Bool {
        seen <= Int64.max - span && seen + span < watermark
    }

    func emitClosing(_ episode: EpisodeBook.Episode, key: String, at time: Int64, env: inout FlushEnvironment) {
        let info = Alert.Episode(
            id: episode.id, state: .closed, windows: episode.windows, events: episode.events,
            firstSeen: Timestamp(nanoseconds: episode.firstEnd), lastSeen: Timestamp(nanoseconds: episode.lastEnd))
        env.alerts.append(
            factory.window(
                key: key, start: episode.firstStart, end: episode.lastEnd, metric: episode.peakMetric, evidence: [], episode: info,
                time: time))
        env.stats.alerts += 1
    }
}
