/// The kinds of Sigma correlation (spec v2.1 plus pySigma's `value_median`).
public enum CorrelationType: String, Sendable, Hashable, CaseIterable {
    /// Number of matching events in the window.
    case eventCount = "event_count"
    /// Number of distinct values of `condition.field` in the window.
    case valueCount = "value_count"
    /// Number of distinct referenced rules that matched in the window, in any order.
    case temporal
    /// Like ``temporal``, with the rules matching in the order they are listed.
    case temporalOrdered = "temporal_ordered"
    /// Sum of the numeric `condition.field` in the window.
    case valueSum = "value_sum"
    /// Average of the numeric `condition.field` in the window.
    case valueAvg = "value_avg"
    /// The `condition.percentile`-th percentile of the numeric `condition.field` in the window.
    case valuePercentile = "value_percentile"
    /// The median (50th percentile) of the numeric `condition.field` in the window.
    case valueMedian = "value_median"

    /// Whether the condition needs a `field` to measure.
    public var needsField: Bool {
        switch self {
        case .valueCount, .valueSum, .valueAvg, .valuePercentile, .valueMedian: true
        case .eventCount, .temporal, .temporalOrdered: false
        }
    }

    /// Whether the measured field is read as a number.
    public var isNumeric: Bool {
        switch self {
        case .valueSum, .valueAvg, .valuePercentile, .valueMedian: true
        default: false
        }
    }

    /// Whether the type counts referenced rules rather than events or values.
    public var isTemporal: Bool { self == .temporal || self == .temporalOrdered }
}
