import VigilAlert
import VigilEvent

/// What a shard produced while advancing to a watermark.
public struct CorrelationOutput: Sendable {
    /// Alerts, in no particular order (``CorrelationMerger`` orders them).
    public var alerts: [Alert] = []
    /// Windows of correlations that chained correlations read: inputs for the chain shard.
    public var chained: [CorrelationInput] = []

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
    private let options: CorrelationOptions
    /// Runtimes of the rules this shard runs, by rule index (nil for rules run elsewhere).
    private var runtimes: [RuleRuntime?]
    private var environment: FlushEnvironment
    private var lifetimeStats = CorrelationStats()

    public init(ruleSet: CorrelationRuleSet, options: CorrelationOptions, role: Role) {
        self.role = role
        self.options = options
        environment = FlushEnvironment(
            evidence: EvidenceStore(capacity: options.evidenceCapacity), context: EvaluationContext(evidenceLimit: options.evidencePerAlert)
        )
        runtimes = ruleSet.plans.map { plan in
            guard plan.isChained == (role == .chain) else { return nil }
            let consumerPlans = plan.consumers.map { ruleSet.plans[$0.rule].sources[$0.slot] }
            return RuleRuntime(rule: ruleSet.rules[plan.rule], plan: plan, consumerPlans: consumerPlans, options: options)
        }
    }

    /// Counters so far, with the number of live groups now.
    public var stats: CorrelationStats {
        var total = lifetimeStats
        total.liveGroups = runtimes.reduce(0) { $0 + ($1?.groups.count ?? 0) }
        return total
    }

    /// Approximate bytes of correlation state held.
    public var memoryBytes: Int { runtimes.reduce(0) { $0 + ($1?.memoryBytes ?? 0) } }

    /// Queues an input for its rule. Inputs may come in any order; they are processed in event-time order
    /// when the watermark passes them.
    public func ingest(_ input: CorrelationInput) {
        guard runtimes[Int(input.rule)] != nil else {
            preconditionFailure("input for rule \(input.rule), which shard \(role) does not run")
        }
        runtimes[Int(input.rule)]!.accept(input, evidence: &environment.evidence)
        lifetimeStats.inputs += 1
    }

    public func ingest(contentsOf inputs: some Sequence<CorrelationInput>) {
        for input in inputs { ingest(input) }
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
            if !environment.chained.isEmpty {
                for var input in environment.chained {
                    if runtimes[Int(input.rule)] != nil {
                        runtimes[Int(input.rule)]!.accept(input, evidence: &environment.evidence)
                        environment.stats.inputs += 1
                    } else {
                        input.shard = Int32(max(1, options.shards))
                        output.chained.append(input)
                    }
                }
                environment.chained.removeAll(keepingCapacity: true)
            }
        }
        swap(&output.alerts, &environment.alerts)
        lifetimeStats.merge(environment.stats)
        environment.stats = CorrelationStats()
        return output
    }
}
