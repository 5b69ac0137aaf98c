import VigilAlert
import VigilEvent

/// What a shard produced while advancing to a watermark.
public struct CorrelationOutput: Sendable {
    /// Alerts, in no particular order (``CorrelationMerger`` orders them).
    public var alerts: [Alert] = []
    /// Windows of correlations that chained correlations read: inputs for the chain shard (list
    /// ``CorrelationBatch/shards`` of the batch).
    public var chained = CorrelationBatch(shards: 1)

    public init() {}
}

/// The correlation state of a share of the groups, owned by one thread: no locks.
///
/// A group shard runs every correlation that reads only detection rules, for the groups whose key
/// hashes to it. The chain shard runs the correlations that read other correlations, for all groups:
/// it receives the windows of the correlations they read from all group shards, so that a chained
/// correlation sees every group's windows whatever the shard count.
///
/// Call from one thread at a time (the type is `Sendable` so it can be handed to its thread).
public final class CorrelationShard: @unchecked Sendable {
    /// Which correlations a shard runs.
    public enum Role: Sendable, Hashable {
        /// Group shard number `index` of ``CorrelationOptions/shards``.
        case group(Int)
        /// The single shard of chained correlations.
        case chain
    }

    public let role: Role
    let options: CorrelationOptions
    // One thread at a time (see above), so dynamic exclusivity checks on these would only cost time:
    // they ran per input.
    /// Runtimes of the rules this shard runs, by rule index (nil for rules run elsewhere).
    @exclusivity(unchecked) var runtimes: [RuleRuntime?]
    @exclusivity(unchecked) var environment: FlushEnvironment
    @exclusivity(unchecked) var lifetimeStats = CorrelationStats()
    /// This shard's share of ``CorrelationOptions/maxStateBytes``.
    let stateBudget: Int
    /// Waiting inputs up to this instant were applied early to stay within the budget: an input older
    /// than it can no longer be placed in order and is refused (counted as ``CorrelationStats/shedLate``).
    @exclusivity(unchecked) var appliedThrough = Int64.min
    /// The most state the budget counted at once (see ``CorrelationStats/peakStateBytes``).
    @exclusivity(unchecked) private var peakStateBytes = 0

    public init(ruleSet: CorrelationRuleSet, options: CorrelationOptions, role: Role) {
        self.role = role
        self.options = options
        stateBudget = role == .chain ? options.stateBytesOfChainShard : options.stateBytesPerGroupShard
        environment = FlushEnvironment(
            evidence: EvidenceStore(capacity: options.evidenceCapacityPerShard, bytes: options.evidenceBytesPerShard),
            printer: EvidencePrinter(renderer: options.evidenceRenderer?()),
            context: EvaluationContext(evidenceLimit: options.evidencePerAlert))
        runtimes = ruleSet.plans.map { plan in
            guard plan.isChained == (role == .chain) else { return nil }
            let consumerPlans = plan.consumers.map { ruleSet.plans[$0.rule].sources[$0.slot] }
            return RuleRuntime(rule: ruleSet.rules[plan.rule], plan: plan, consumerPlans: consumerPlans, options: options)
        }
    }

    /// Counters so far, with the number of live groups now.
    public var stats: CorrelationStats {
        var total = lifetimeStats
        total.peakStateBytes = peakStateBytes
        total.liveGroups = runtimes.reduce(0) { $0 + ($1?.groups.count ?? 0) }
        return total
    }

    /// Approximate bytes of correlation state held.
    public var memoryBytes: Int { runtimes.reduce(environment.evidence.memoryBytes) { $0 + ($1?.memoryBytes ?? 0) } }

    /// Queues the inputs of one list of `batch` (this shard's, see ``CorrelationBatch``), skipping
    /// those earlier than `lateBefore` (late: the caller counts them). Inputs may come in any order;
    /// they are processed in event-time order when the watermark passes them.
    public func ingest(_ batch: CorrelationBatch, list: Int, lateBefore: Timestamp = .distantPast) {
        let cutoff = lateBefore.nanoseconds
        let floor = appliedThrough
        // An event read by several rules is one evidence entry, stored once.
        var storedEvidence: Int32 = -1
        var storedRef: UInt32 = 0
        batch.lists[list].withUnsafeBufferPointer { records in
            batch.bytes.withUnsafeBytes { bytes in
                for index in records.indices where records[index].time >= cutoff {
                    let record = records[index]
                    if record.time < floor {
                        environment.stats.shedLate += 1
                        continue
                    }
                    let rule = Int(record.rule)
                    guard runtimes[rule] != nil else { preconditionFailure("input for rule \(rule), which shard \(role) does not run") }
                    lifetimeStats.inputs += 1
                    let keyBytes = UnsafeRawBufferPointer(
                        rebasing: bytes[Int(record.keyStart)..<Int(record.keyStart) + Int(record.keyCount)])
                    let admission = runtimes[rule]!.admit(
                        time: record.time, keyHash: record.keyHash, key: keyBytes, source: record.source, sequence: record.sequence)
                    if case .skip = admission { continue }
                    // The key becomes a String only for inputs that are kept.
                    let key = String(decoding: keyBytes, as: UTF8.self)
                    if record.evidence != storedEvidence {
                        let evidence = batch.evidence[Int(record.evidence)]
                        storedEvidence = record.evidence
                        storedRef = environment.evidence.add(
                            UnsafeRawBufferPointer(rebasing: bytes[Int(evidence.start)..<Int(evidence.start) + Int(evidence.count)]),
                            form: evidence.form, time: evidence.time)
                    }
                    let value =
                        record.valueCount == CorrelationBatch.Record.noValue ? nil : Self.text(bytes, record.valueStart, record.valueCount)
                    runtimes[rule]!.store(
                        PendingInput(
                            time: record.time, sequence: record.sequence, keyHash: record.keyHash, number: record.number, key: key,
                            value: value, slot: record.slot, source: record.source, ref: storedRef),
                        admission)
                }
            }
        }
        keepWithinBudget()
    }

    // MARK: State budget

    /// Bytes of correlation state this shard holds as the budget counts them: live groups and their
    /// window state, waiting inputs, the evidence ring.
    var stateBytes: Int { environment.evidence.memoryBytes + pendingBytes + groupStateBytes }

    private var pendingBytes: Int { runtimes.reduce(0) { $0 + ($1?.pending.liveBytes ?? 0) } }
    private var groupStateBytes: Int { runtimes.reduce(0) { $0 + ($1?.stateBytes ?? 0) } }

    /// Sheds state when the shard would hold more than its budget: first the waiting inputs, once they
    /// hold a quarter of it (applying them takes as much again for a moment, to sort them), are applied
    /// at once (through the latest of them: the effective lateness shrinks, and inputs older than that
    /// arriving later are refused); then groups are evicted, furthest below their threshold first
    /// (``RuleRuntime/victim()``), until the state is back under three quarters of what the budget
    /// leaves it.
    private func keepWithinBudget() {
        let evidence = environment.evidence.memoryBytes
        var pending = pendingBytes
        var state = groupStateBytes
        let room = max(0, stateBudget - evidence)
        peakStateBytes = max(peakStateBytes, evidence + pending + state)
        guard 2 * pending + state > room else { return }
        environment.stats.budgetReached += 1
        if pending >= room / 4 {
            applyWaitingInputs()
            pending = pendingBytes
            state = groupStateBytes
        }
        let target = max(0, room - 2 * pending) * 3 / 4
        while state > target {
            guard let index = runtimes.indices.max(by: { (runtimes[$0]?.stateBytes ?? -1) < (runtimes[$1]?.stateBytes ?? -1) }),
                runtimes[index]?.evictForMemory(env: &environment) == true
            else { break }
            state = groupStateBytes
        }
    }

    /// Applies every waiting input now, through the latest of them, as if the watermark had passed it.
    private func applyWaitingInputs() {
        var latest = Int64.min
        var waiting = 0
        for runtime in runtimes {
            guard let runtime else { continue }
            latest = max(latest, runtime.pending.latestTime)
            waiting += runtime.pending.count
        }
        guard latest != .min else { return }
        environment.stats.shedEarlyInputs += waiting
        for index in runtimes.indices where runtimes[index] != nil {
            runtimes[index]!.flush(watermark: latest &+ 1, horizon: .max, expireBefore: latest, env: &environment)
        }
        appliedThrough = max(appliedThrough, latest)
    }

    /// Text from batch bytes (keys and values are short: most fit in a String without allocating).
    @inline(__always)
    static func text(_ bytes: UnsafeRawBufferPointer, _ start: UInt32, _ count: UInt32) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[Int(start)..<Int(start) + Int(count)]), as: UTF8.self)
    }

    /// Decides every window that ends before `watermark` and returns the alerts and chained windows.
    ///
    /// `horizon` is the last event time of a finished input: absence windows ending after it stay
    /// undecided (pass `.distantFuture` while input continues).
    public func advance(to watermark: Timestamp, horizon: Timestamp = .distantFuture) -> CorrelationOutput {
        var output = CorrelationOutput()
        for index in runtimes.indices {
            guard runtimes[index] != nil else { continue }
            runtimes[index]!.flush(watermark: watermark.nanoseconds, horizon: horizon.nanoseconds, env: &environment)
            if role == .chain, !environment.chained.isEmpty {
                // Chained correlations read each other in rule order (a reader comes after what it
                // reads), so windows of this flush are inputs of rules flushed later in this loop.
                var chained = CorrelationBatch(shards: 1)
                swap(&chained, &environment.chained)
                ingest(chained, list: chained.shards)
            }
        }
        // Episodes whose condition already holds with the inputs known open now (early alerts).
        for index in runtimes.indices where runtimes[index]?.early == true {
            runtimes[index]!.announceEarly(watermark: watermark.nanoseconds, env: &environment)
        }
        keepWithinBudget()
        if role != .chain { swap(&output.chained, &environment.chained) }
        swap(&output.alerts, &environment.alerts)
        lifetimeStats.merge(environment.stats)
        environment.stats = CorrelationStats()
        return output
    }
}
