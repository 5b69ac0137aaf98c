import VigilEvent
import VigilRegex

/// Run-level choices for detection.
public struct SigmaDetectOptions: Sendable {
    /// The logsource of events the mapping places nowhere (`--logsource`); nil leaves them to rules
    /// that state no logsource key.
    public var defaultLogsource: SigmaLogsource?
    /// ReDoS limits for `re` (the same limits as decoders).
    public var regexLimits: RegexLimits
    /// Whether the literal prefilter picks the rules to evaluate (true); false evaluates every rule of
    /// an event's logsource, for measurements and for tests of the prefilter itself.
    public var literalPrefilter: Bool

    public init(defaultLogsource: SigmaLogsource? = nil, regexLimits: RegexLimits = .default, literalPrefilter: Bool = true) {
        self.defaultLogsource = defaultLogsource
        self.regexLimits = regexLimits
        self.literalPrefilter = literalPrefilter
    }
}

/// Compiled Sigma detection rules (with their filters applied), ready to match: immutable and
/// shared by every worker, each of which matches through its own ``Detector``.
///
/// Build one with ``compile(documents:configuration:options:)``. Rules get ``RuleID``s `0 ..< count`
/// in load order; look them up by Sigma `id` or `name` for correlation rules.
public final class SigmaRuleSet: Sendable {
    /// Every loaded rule, indexed by ``RuleID``.
    public let rules: [SigmaRuleMetadata]
    public let options: SigmaDetectOptions
    public let configuration: SigmaConfiguration

    let program: Program
    let compiled: [CompiledRule]
    let routes: [Route]
    let router: Router
    /// Routes of events no entry places, by whether the event is JSON.
    let fallbackJSONRoute: Int
    let fallbackTextRoute: Int
    let maximumSlots: Int
    private let byID: [String: RuleID]
    private let byName: [String: RuleID]

    init(
        compiled: [CompiledRule], program: Program, routes: [Route], router: Router, fallbackJSONRoute: Int, fallbackTextRoute: Int,
        configuration: SigmaConfiguration, options: SigmaDetectOptions
    ) {
        self.compiled = compiled
        self.rules = compiled.map(\.metadata)
        self.program = program
        self.routes = routes
        self.router = router
        self.fallbackJSONRoute = fallbackJSONRoute
        self.fallbackTextRoute = fallbackTextRoute
        self.configuration = configuration
        self.options = options
        self.maximumSlots = routes.map { $0.slots.count + 1 }.max() ?? 1
        var byID: [String: RuleID] = [:]
        var byName: [String: RuleID] = [:]
        for rule in rules {
            if let id = rule.id { byID[id] = rule.ruleID }
            if let name = rule.name { byName[name] = rule.ruleID }
        }
        self.byID = byID
        self.byName = byName
    }

    /// Number of rules.
    public var count: Int { rules.count }

    /// Rules the prefilter cannot skip: no literal or network is required of any event they match, so
    /// they are evaluated on every event of their logsource (all rules when the prefilter is off).
    public var alwaysEvaluatedRuleCount: Int { compiled.reduce(0) { $0 + ($1.requirements == nil ? 1 : 0) } }

    /// The metadata of a rule.
    public func rule(_ id: RuleID) -> SigmaRuleMetadata { rules[Int(id.rawValue)] }

    /// The rule with this Sigma `id`.
    public func rule(id: String) -> SigmaRuleMetadata? { byID[id].map { rule($0) } }

    /// The rule with this Sigma `name`.
    public func rule(name: String) -> SigmaRuleMetadata? { byName[name].map { rule($0) } }

    /// The rule a correlation or filter reference names: a Sigma `id` or a `name`.
    public func rule(reference: String) -> SigmaRuleMetadata? { rule(id: reference) ?? rule(name: reference) }

    /// The fields a rule's detections carry (``Detection/values``), as registered with ``carrying(_:)``.
    public func carriedFields(of rule: RuleID) -> [Symbol] { compiled[Int(rule.rawValue)].carriedNames }

    /// Per route, numbered as ``Detector/placeEvents(of:into:)`` reports them: the logsources its
    /// events sit in. One route per mapping entry (its `logsource` list), then the two routes of events
    /// no entry places, which hold the run's default logsource (`--logsource`) or nothing.
    public var routeLogsources: [[SigmaLogsource]] {
        routes.map { $0.logsources.filter { !$0.isEmpty } }
    }

    /// Names of the logsource routes and how many rules each holds (for `vigil check` summaries and
    /// tests): one per mapping entry, then the two fallbacks.
    public var routeSummary: [(name: String, logsources: [SigmaLogsource], rules: Int)] {
        routes.map { ($0.name, $0.logsources, $0.rules.count) }
    }
}
