import VigilEvent

/// How the correlation engine runs: time, emission, memory bounds and sharding.
public struct CorrelationOptions: Sendable {
    /// What becomes an alert.
    public enum Emit: String, Sendable, CaseIterable {
        /// Every qualifying window `[t - timespan, t]`, one alert each (`--emit all`, for conformance).
        case all
        /// One alert when a group's condition starts to hold, one closing update when it has not held for
        /// one timespan (`--emit episodes`, the default).
        case episodes
        /// `event_count` rules with a gt/gte condition alert like SEC's SingleWithThreshold (one alert per
        /// counting operation, see docs); other rules behave as in ``episodes``.
        case threshold
    }

    /// How far behind the largest event time seen an event may arrive and still be counted.
    public var lateness: Timestamp.Duration = .seconds(5)
    public var emit: Emit = .episodes
    /// Live groups per rule (over all shards) before the least recently seen are evicted.
    public var maxGroupsPerRule: Int = 100_000
    /// Number of group shards (each owned by one thread in the pipeline).
    public var shards: Int = 1
    /// Evidence events per alert at most.
    public var evidencePerAlert: Int = 10
    /// Recent evidence entries each shard keeps (older references read as missing).
    public var evidenceCapacity: Int = 65_536
    /// At the end of finite input, decide absence windows that end after the last event time seen as
    /// if nothing came (true), or leave them undecided and count them as incomplete (false, the
    /// default: the input ended, the silence was not observed; this is also what the reference
    /// implementation reports).
    public var decideAbsenceBeyondInput: Bool = false
    /// Steps each shard's mailbox holds in ``ThreadedCorrelationEngine`` before the caller blocks (the
    /// merger's holds this many per shard). Each step carries a batch's inputs with their evidence, so
    /// this bounds memory in flight as much as it smooths bursts.
    public var mailboxCapacity: Int = 8

    public init() {}

    public init(
        lateness: Timestamp.Duration = .seconds(5), emit: Emit = .episodes, maxGroupsPerRule: Int = 100_000, shards: Int = 1
    ) {
        self.lateness = lateness
        self.emit = emit
        self.maxGroupsPerRule = maxGroupsPerRule
        self.shards = shards
    }

    /// Groups each shard may hold per rule.
    var maxGroupsPerShard: Int { max(1, (maxGroupsPerRule + max(1, shards) - 1) / max(1, shards)) }
}
