import VigilEvent

/// One detection (or one window of a chained correlation) prepared for one correlation rule source:
/// what travels from the router to a shard.
public struct CorrelationInput: Sendable {
    /// The correlation rule (``CorrelationRule/index``).
    public var rule: Int32
    /// The source of that rule (index into ``CorrelationRule/sources``).
    public var slot: Int32
    /// The shard that owns the group: `0 ..< shards` for group shards, `shards` for the chain shard.
    public var shard: Int32
    /// Event time.
    public var time: Timestamp
    /// Identity of the event (an event read by two sources of a rule counts once).
    public var source: SourceID
    public var sequence: UInt64
    /// The evidence: the event's JSON (or, for a chained input, the child window's alert JSON).
    public var event: String
    var keyHash: UInt64
    /// Case-folded group values joined by ``GroupKey/separator``.
    var key: String
    /// The measured value, case-folded (value_count).
    var value: String?
    /// The measured value as a number (numeric types), NaN when absent or not a number.
    var number: Double
}

/// One distinct event of a (group, time) run, as evaluators see it.
struct RunEvent {
    /// Bit per rule source the event matched.
    var slots: UInt32
    var value: String?
    var number: Double
    /// Evidence reference in the shard's ``EvidenceStore``.
    var ref: UInt32
}
