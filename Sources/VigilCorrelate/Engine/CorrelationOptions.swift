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
    /// An episode that has counted this many contributing events, or whose qualifying windows span
    /// this long (first to last window end), escalates: one `updated` alert at the crossing (the tier
    /// policy's `escalation`, docs/alerts.md). nil: never.
    public var escalationCount: Int?
    public var escalationDuration: Timestamp.Duration?
    public var emit: Emit = .episodes
    /// Live groups per rule (over all shards) before the least recently seen are evicted (see
    /// ``maxGroupsPerShard`` for how the limit is shared by shards).
    public var maxGroupsPerRule: Int = 100_000
    /// Number of group shards (each owned by one thread in the pipeline).
    public var shards: Int = 1
    /// Evidence events per alert at most.
    public var evidencePerAlert: Int = 10
    /// Recent evidence entries kept, shared by the group shards (older references read as missing).
    public var evidenceCapacity: Int = 65_536
    /// Bytes of recent evidence kept (messages as received, about 150 bytes each for syslog lines),
    /// shared by the group shards like ``evidenceCapacity``, so that memory does not grow with the shard
    /// count; the chain shard has a share of its own. Each shard's share is rounded up to a power of two,
    /// and one entry larger than a quarter of a ring grows that ring. Older references read as missing.
    public var evidenceBytes: Int = 8 << 20
    /// Makes, once per shard, what writes evidence kept as a message (``CorrelationBatch/EvidenceForm/message``)
    /// as event JSON when an alert prints it. Without one, such evidence prints as `{"raw": message}`.
    public var evidenceRenderer: (@Sendable () -> any EvidenceRendering)?
    /// At the end of finite input, decide absence windows that end after the last event time seen as
    /// if nothing came (true), or leave them undecided and count them as incomplete (false, the
    /// default: the input ended, the silence was not observed; this is also what the reference
    /// implementation reports).
    public var decideAbsenceBeyondInput: Bool = false
    /// Steps each shard's mailbox holds in ``ThreadedCorrelationEngine`` before the caller blocks (the
    /// merger's holds this many per shard). Each step carries a batch's inputs with their evidence, so
    /// this bounds memory in flight as much as it smooths bursts.
    public var mailboxCapacity: Int = 8
    /// The budget of correlation state, over all shards: groups and their window state, inputs waiting
    /// for the watermark, and the evidence ring. A sender controls how much state it causes (rate ×
    /// timespan), so it is bounded whatever the input; when a shard reaches its share, state is shed
    /// (docs/correlation.md, "Memory": waiting inputs are applied early, then groups are evicted,
    /// furthest below their threshold first), counted in ``CorrelationStats``. Nothing is shed below
    /// the budget.
    public var maxStateBytes: Int = 512 << 20
    /// Open an episode as soon as a condition that cannot stop holding holds (`--emit episodes`; gt/gte
    /// on an `event_count`, a `value_count`, or a `value_sum` of non-negative values), instead of when
    /// the watermark passes the window (docs/correlation.md, "Early alerts"). The final state of every
    /// episode (its id, windows, counts and closing alert) is the same either way.
    public var earlyAlerts: Bool = true

    public init() {}

    /// Each group shard's share of ``maxStateBytes``: seven eighths split between the group shards,
    /// the last eighth for the chain shard (chained correlations read windows, not events).
    var stateBytesPerGroupShard: Int { max(1 << 20, maxStateBytes / 8 * 7 / max(1, shards)) }
    var stateBytesOfChainShard: Int { max(1 << 20, maxStateBytes / 8) }

    public init(
        lateness: Timestamp.Duration = .seconds(5), emit: Emit = .episodes, maxGroupsPerRule: Int = 100_000, shards: Int = 1
    ) {
        self.lateness = lateness
        self.emit = emit
        self.maxGroupsPerRule = maxGroupsPerRule
        self.shards = shards
    }

    /// Evidence entries and bytes each shard keeps.
    var evidenceCapacityPerShard: Int { max(1, evidenceCapacity / max(1, shards)) }
    var evidenceBytesPerShard: Int { max(1, evidenceBytes / max(1, shards)) }

    /// Groups each shard may hold per rule: its even share of ``maxGroupsPerRule`` plus six standard
    /// deviations of how a random split spreads groups over the shards (binomial), at most the whole
    /// limit. Hashes spread groups unevenly: with an exact share, 1 M groups over 2 shards evicted 109
    /// groups before the rule held 1 M. With the headroom a shard evicts early only for a split more
    /// than six standard deviations off (about one in a billion); in exchange the groups of all shards
    /// may exceed the limit by the headroom (0.6 % for 1 M groups over 2 shards, 1.9 % for 100,000).
    public var maxGroupsPerShard: Int {
        let shards = Double(max(1, self.shards)), limit = Double(max(1, maxGroupsPerRule))
        guard shards > 1 else { return max(1, maxGroupsPerRule) }
        let share = (limit / shards).rounded(.up)
        let spread = (limit * (1 / shards) * (1 - 1 / shards)).squareRoot()
        return Int(min(limit, share + (6 * spread).rounded(.up)))
    }
}
