import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// What the tier policy (``TierPolicy``, `rules/tiers.yml`) decides for every rule of a rule set,
/// worked out once at load.
public struct AlertPolicy: Sendable {
    public let policy: TierPolicy
    /// Per detection rule (by ``RuleID``): tier (nil: no alert), suppression key and gap.
    public let detection: [TierPolicy.Decision]
    /// Per correlation rule (by index): its tier, at least one above the highest tier of the rules it
    /// counts (nil: no alert of its own).
    public let correlation: [Int?]

    public init(policy: TierPolicy, detection: SigmaRuleSet, correlation: CorrelationRuleSet) {
        self.policy = policy
        let decisions = detection.rules.map { policy.decide(Alert.Rule($0)) }
        self.detection = decisions
        var tiers: [Int?] = []
        // Rules come in dependency order: a chained correlation's children are decided before it.
        for rule in correlation.rules {
            let own = policy.decide(rule.alertRule).tier
            let counted =
                rule.sources.map { source -> Int in
                    switch source.target {
                    case .detection(let id): return decisions[Int(id.rawValue)].tier ?? 0
                    case .correlation(let index): return index < tiers.count ? tiers[index] ?? 0 : 0
                    }
                }.max() ?? 0
            tiers.append(own.map { min(TierPolicy.maxTier, max($0, counted + 1)) })
        }
        self.correlation = tiers
    }

}
