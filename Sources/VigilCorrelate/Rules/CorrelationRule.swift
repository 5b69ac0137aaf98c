import VigilAlert
import VigilEvent

/// A compiled Sigma correlation rule.
///
/// Rules live in a ``CorrelationRuleSet`` in dependency order: a rule's ``index`` is greater than the
/// index of every correlation it references, so processing rules by index feeds chained correlations
/// after the correlations they read.
public struct CorrelationRule: Sendable {
    /// What a referenced rule is.
    public enum Target: Sendable, Hashable {
        /// A detection rule of the detect stage.
        case detection(RuleID)
        /// Another correlation of the same set, by ``CorrelationRule/index``.
        case correlation(Int)
    }

    /// One referenced rule (an entry of `correlation.rules`), with the fields read from what it emits.
    public struct Source: Sendable {
        /// The reference as written (a Sigma `id` or `name`).
        public var reference: String
        public var target: Target
        /// For each `group-by` entry, the field read from this source (aliases applied).
        public var groupFields: [String]
        /// The field measured by the condition (`condition.field`, aliases applied), if the type has one.
        public var valueField: String?
    }

    /// One clause of an extended temporal condition in disjunctive normal form.
    public struct Clause: Sendable, Hashable {
        /// Indices into ``sources`` of rules that must match in the window.
        public var present: [Int]
        /// Indices into ``sources`` of rules that must not match in the window.
        public var absent: [Int]
    }

    /// When a window qualifies.
    public enum Condition: Sendable {
        /// The window's metric meets a threshold.
        case threshold(CorrelationThreshold)
        /// An extended temporal condition (SEP #198), as written and as clauses.
        case expression(String, [Clause])
    }

    public var index: Int
    /// The Sigma `id`, if the rule has one.
    public var id: String?
    /// The Sigma `name`, if the rule has one.
    public var name: String?
    public var title: String
    public var level: String
    public var tags: [String]
    /// Where the rule was defined.
    public var file: String
    public var line: Int
    public var type: CorrelationType
    public var timespan: Timestamp.Duration
    public var groupBy: [String]
    public var sources: [Source]
    public var condition: Condition
    /// The measured field (`condition.field`) as written.
    public var field: String?
    /// The percentile (0 ... 100) of `value_percentile` (50 for `value_median`).
    public var percentile: Double?
    /// `generate: true`: the referenced rules keep emitting their own alerts.
    public var generate: Bool
    /// False when another correlation references this one without `generate: true`: its windows then
    /// only feed that correlation.
    public var emitsAlerts: Bool

    /// The rule as printed in alerts.
    public var alertRule: Alert.Rule {
        Alert.Rule(id: id ?? name ?? "correlation-\(index)", name: name, title: title, level: level, tags: tags, file: file)
    }

    /// True when every source is a detection rule (no chaining).
    public var readsOnlyDetections: Bool {
        sources.allSatisfy { if case .detection = $0.target { true } else { false } }
    }

    /// True when the condition has a clause with an absent rule: its windows look forward from their
    /// anchor and are decided when the watermark passes their end.
    public var hasAbsence: Bool {
        if case .expression(_, let clauses) = condition { return clauses.contains { !$0.absent.isEmpty } }
        return false
    }
}
