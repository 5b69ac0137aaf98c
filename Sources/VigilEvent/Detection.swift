/// Identifies a loaded detection or correlation rule within a run (an index into the rule set).
public struct RuleID: Hashable, Comparable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable
    public static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An event that matched a detection rule, as a self-contained value: the rule, the event's time and
/// identity, the values of the fields correlations need (group-by keys, value fields; extracted once,
/// at detection) and the event's normalized JSON.
///
/// Detection alerts are made from it, and tools and tests feed it to correlation. The pipeline's hot
/// path does not make one per correlated detection: it routes matches straight into a batch of
/// fixed-size records (VigilCorrelate's `CorrelationBatch`), with no String per detection.
public struct Detection: Sendable {
    public var rule: RuleID
    /// Event time (the receive time if the event had none).
    public var time: Timestamp
    public var source: SourceID
    public var sequence: UInt64
    /// Values of the fields that correlations over this rule read; nil when the event lacks the field.
    public var values: [(name: Symbol, value: String?)]
    /// The event as `vigil parse` prints it (a JSON object).
    public var event: String

    public init(
        rule: RuleID,
        time: Timestamp,
        source: SourceID,
        sequence: UInt64,
        values: [(name: Symbol, value: String?)] = [],
        event: String
    ) {
        self.rule = rule
        self.time = time
        self.source = source
        self.sequence = sequence
        self.values = values
        self.event = event
    }

    /// The value of a field carried by this detection.
    public func value(of name: Symbol) -> String? {
        for entry in values where entry.name == name { return entry.value }
        return nil
    }
}
