import VigilEvent

/// One entry of a group's window state as a snapshot keeps it; what ``count`` and ``payload`` mean
/// depends on the correlation type (see each state's `writeGroup`).
struct SnapshotEntry: Sendable {
    var time: Int64
    /// The evidence reference the shard held (``EvidenceStore``), looked up in its section's table.
    var ref: UInt32
    /// event_count: the events the entry stands for; numeric types: the values folded into it.
    var count: UInt32 = 1
    /// Numeric types: the entry's sum (bit pattern); absence anchors: their clause bits.
    var payload: UInt64 = 0
}

/// The window state of one group, in a form independent of slots and shards.
struct SnapshotWindow: Sendable {
    /// event_count and numeric entries, value_count nodes (oldest first), absence anchors.
    var entries: [SnapshotEntry] = []
    /// value_count: each node's value, beside ``entries``.
    var values: [String] = []
    /// Numeric types: the running sum, exactly as held (recomputing it could round differently).
    var sum: Double = 0
    /// Temporal types: per source, its last match and that match's evidence; per chain cell, its start.
    var sourceTimes: [Int64] = []
    var sourceRefs: [UInt32] = []
    var chains: [Int64] = []
}

/// A group's `--emit threshold` counting operation (``ThresholdMachine``).
struct SnapshotMachine: Sendable {
    var state: UInt8
    var start: Int64
    var entries: [SnapshotEntry]
}

/// One group of one rule.
struct SnapshotGroup: Sendable {
    var key: String
    /// ``GroupKey/hash(_:)`` of the key, computed again when read (it picks the shard).
    var hash: UInt64
    var lastSeen: Int64
    var window: SnapshotWindow
    var machine: SnapshotMachine?
    var episode: EpisodeBook.Episode?
}

/// A deadline of a group (absence window or episode close); stale timers are not kept.
struct SnapshotTimer: Sendable {
    var deadline: Int64
    /// Index of the group in its part's ``RulePartSnapshot/groups``.
    var group: Int
    var kind: TimerHeap.Kind
}

/// The state one shard held for one rule: groups (least recently seen first), their timers, and the
/// inputs waiting for the watermark.
struct RulePartSnapshot: Sendable {
    /// The shard section it was read from: its references name that section's evidence.
    var section: Int
    var groups: [SnapshotGroup] = []
    var timers: [SnapshotTimer] = []
    var pending: [PendingInput] = []
    /// Episode numbers by group-key hash, episodes opened early and value_sum flags by group key.
    var ledger: [(UInt64, EpisodeLedger.Entry)] = []
    var announced: [(String, Announcement)] = []
    var valueFlags: [(String, UInt8)] = []
}

/// A piece of evidence of a shard section: the bytes live in the state file's buffer.
struct SnapshotEvidence: Sendable {
    var ref: UInt32
    var form: CorrelationBatch.EvidenceForm
    var time: EvidenceTime
    var bytes: Range<Int>
}

/// A rule as a state file names it: its identity (Sigma `id`, else `name`, else title) and a digest
/// of its compiled definition, so that state is restored only into the same rule, unchanged.
struct RuleDefinition: Hashable, Sendable {
    var identity: String
    var digest: UInt64

    static func identity(of rule: CorrelationRule) -> String { rule.id ?? rule.name ?? rule.title }

    /// How the log names a rule: its `name`, else its `id`, else its title.
    static func label(of rule: CorrelationRule) -> String { rule.name ?? rule.id ?? rule.title }

    /// The definitions of a rule set's rules, by index.
    static func all(_ rules: [CorrelationRule]) -> [RuleDefinition] {
        var digests: [UInt64] = []
        for rule in rules { digests.append(digest(of: rule, children: digests)) }
        return zip(rules, digests).map { RuleDefinition(identity: identity(of: $0), digest: $1) }
    }

    /// A digest of everything that gives a rule's state its meaning: type, timespan, group-by, the
    /// rules it reads (by reference; a correlation it reads by that rule's own digest), the fields it
    /// reads from them, its condition, `generate`, and whether its windows print. Title, level and tags
    /// (printed in alerts only) and where the rule is defined are not part of it.
    /// `children` holds the digests of the rules before it (a rule reads only earlier ones).
    static func digest(of rule: CorrelationRule, children: [UInt64]) -> UInt64 {
        var out = SnapshotWriter()
        out.string("vigil correlation rule 1")
        out.string(rule.type.rawValue)
        out.i64(rule.timespan.nanoseconds)
        out.count(rule.groupBy.count)
        for field in rule.groupBy { out.string(field) }
        out.count(rule.sources.count)
        for source in rule.sources {
            out.string(source.reference)
            switch source.target {
            case .detection:
                out.u8(0)
            case .correlation(let child):
                out.u8(1)
                out.u64(child < children.count ? children[child] : 0)
            }
            out.count(source.groupFields.count)
            for field in source.groupFields { out.string(field) }
            out.string(source.valueField ?? "")
            out.bool(source.valueField != nil)
        }
        switch rule.condition {
        case .threshold(let threshold):
            out.u8(0)
            out.count(threshold.bounds.count)
            for bound in threshold.bounds {
                out.string(bound.comparison.rawValue)
                out.f64(bound.limit)
            }
        case .expression(let text, let clauses):
            out.u8(1)
            out.string(text)
            out.count(clauses.count)
            for clause in clauses {
                out.count(clause.present.count)
                for index in clause.present { out.count(index) }
                out.count(clause.absent.count)
                for index in clause.absent { out.count(index) }
            }
        }
        out.string(rule.field ?? "")
        out.f64(rule.percentile ?? -1)
        out.bool(rule.generate)
        out.bool(rule.emitsAlerts)
        return GroupKey.mix(FNV1a.hash(out.bytes))
    }
}
