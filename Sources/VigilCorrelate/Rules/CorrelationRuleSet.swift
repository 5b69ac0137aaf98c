import VigilDetect
import VigilEvent

/// The compiled correlation rules of a run, and what they need from the detect stage.
///
/// Build it with ``compile(_:resolving:)`` from the correlation documents of ``SigmaFileLoader``; the
/// closure maps a Sigma rule `id` or `name` to the detection rule the detect stage compiled from it.
public struct CorrelationRuleSet: Sendable {
    /// The rules in dependency order (see ``CorrelationRule/index``).
    public internal(set) var rules: [CorrelationRule]
    /// For each detection rule read by a correlation, the fields its detections must carry in
    /// ``Detection/values`` (group-by fields after aliases, then measured fields).
    public internal(set) var requiredFields: [RuleID: [Symbol]]
    /// Detection rules referenced by a correlation without `generate: true`: they feed correlations
    /// but emit no detection alerts of their own.
    public internal(set) var suppressedDetectionRules: Set<RuleID>

    /// Per rule, per source: the routing data the engine uses.
    let plans: [RulePlan]
    /// For each detection rule, the (rule, source) pairs that read it.
    let readers: [RuleID: [SourceRef]]

    /// No rules.
    public static let empty = CorrelationRuleSet(rules: [])

    public var isEmpty: Bool { rules.isEmpty }

    /// The fields detections of `rule` must carry (empty when no correlation reads the rule).
    public func requiredFields(for rule: RuleID) -> [Symbol] { requiredFields[rule] ?? [] }

    /// ``requiredFields`` as field names (the form VigilDetect's `SigmaRuleSet.carrying(_:)` takes).
    public var requiredFieldNames: [RuleID: [String]] { requiredFields.mapValues { $0.map(\.name) } }

    /// Compiles correlation documents. Documents of other kinds are ignored. Invalid rules are left out
    /// of the set and reported as `file:line:column: message` diagnostics.
    public static func compile(
        _ documents: [SigmaDocument],
        resolving lookup: (String) -> RuleID?
    ) -> (ruleSet: CorrelationRuleSet, diagnostics: [RuleDiagnostic]) {
        withoutActuallyEscaping(lookup) { lookup in
            var linker = CorrelationLinker(lookup: lookup)
            let rules = linker.link(documents.filter { $0.kind == .correlation })
            return (CorrelationRuleSet(rules: rules), linker.diagnostics)
        }
    }

    init(rules: [CorrelationRule]) {
        self.rules = rules
        var required: [RuleID: [Symbol]] = [:]
        var suppressed: Set<RuleID> = []
        var readers: [RuleID: [SourceRef]] = [:]
        var plans: [RulePlan] = []
        for rule in rules {
            plans.append(RulePlan(rule: rule, in: rules))
            for (slot, source) in rule.sources.enumerated() {
                guard case .detection(let id) = source.target else { continue }
                readers[id, default: []].append(SourceRef(rule: rule.index, slot: slot))
                if !rule.generate { suppressed.insert(id) }
                for name in source.groupFields + [source.valueField].compactMap({ $0 }) {
                    let symbol = Symbol(name)
                    if !(required[id]?.contains(symbol) ?? false) { required[id, default: []].append(symbol) }
                }
            }
        }
        for index in rules.indices {
            plans[index].consumers = plans.flatMap { parent in
                parent.sources.enumerated().compactMap { slot, source in
                    source.child == index ? SourceRef(rule: parent.rule, slot: slot) : nil
                }
            }
        }
        self.requiredFields = required
        self.suppressedDetectionRules = suppressed
        self.readers = readers
        self.plans = plans
    }
}

/// A (rule, source) pair.
struct SourceRef: Sendable, Hashable {
    var rule: Int
    var slot: Int
}

/// What the engine needs per rule, precomputed from a ``CorrelationRule``.
struct RulePlan: Sendable {
    /// What a chained source reads from a child window as its measured value.
    enum ChildValue: Sendable, Hashable {
        case none
        case group(Int)
        case metric
    }

    struct SourcePlan: Sendable {
        var groupSymbols: [Symbol]
        var valueSymbol: Symbol?
        /// For a correlation source: its index, the child's group values to take (in this rule's
        /// group-by order), and where the measured value comes from.
        var child: Int?
        var projection: [Int]
        var childValue: ChildValue
    }

    var rule: Int
    var sources: [SourcePlan]
    /// Rules that read this rule's windows.
    var consumers: [SourceRef] = []
    /// True when the rule runs in the chain shard (it reads another correlation).
    var isChained: Bool

    init(rule: CorrelationRule, in rules: [CorrelationRule]) {
        self.rule = rule.index
        isChained = !rule.readsOnlyDetections
        sources = rule.sources.map { source in
            switch source.target {
            case .detection:
                return SourcePlan(
                    groupSymbols: source.groupFields.map(Symbol.init), valueSymbol: source.valueField.map(Symbol.init),
                    child: nil, projection: [], childValue: .none)
            case .correlation(let child):
                let childGroup = rules[child].groupBy
                let projection = source.groupFields.map { childGroup.firstIndex(of: $0) ?? 0 }
                var value = ChildValue.none
                if let field = source.valueField {
                    value = childGroup.firstIndex(of: field).map(ChildValue.group) ?? .metric
                }
                return SourcePlan(groupSymbols: [], valueSymbol: nil, child: child, projection: projection, childValue: value)
            }
        }
    }
}
