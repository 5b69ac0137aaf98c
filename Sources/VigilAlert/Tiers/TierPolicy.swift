import VigilEvent

/// Which tier owns each rule's alerts, how detections fold into episodes, and when an episode
/// escalates: `rules/tiers.yml` (docs/alerts.md, "Tier policy").
///
/// Tier 1 is triage, 2 investigate, 3 incident; `nil` means no alert at all (the rule still feeds
/// correlations). Overrides match a rule by id, by name or by tag; when several match, id wins over name
/// over tag (and among tags, the highest tier).
public struct TierPolicy: Sendable, Hashable {
    /// The highest tier: escalation and correlation never go past it.
    public static let maxTier = 3

    /// Tier by Sigma level (`informational`, `low`, `medium`, `high`, `critical`); nil: no alert.
    public var levels: [String: Int?]
    /// Detections of one rule with the same key values fold into one episode while each comes within
    /// ``gap`` (event time) of the one before.
    public var suppression: Suppression
    /// When a growing episode escalates one tier (once).
    public var escalation: Escalation
    public var overrides: [Override]

    public struct Suppression: Sendable, Hashable {
        /// Sigma field names whose values, with the rule, make an episode's key.
        public var key: [String]
        public var gap: Timestamp.Duration

        public init(key: [String] = ["host"], gap: Timestamp.Duration = .seconds(600)) {
            self.key = key
            self.gap = gap
        }
    }

    public struct Escalation: Sendable, Hashable {
        /// An episode that has absorbed this many detections (or contributing events) escalates.
        public var count: Int?
        /// An episode whose first and last detection are this far apart escalates.
        public var duration: Timestamp.Duration?

        public init(count: Int? = 1000, duration: Timestamp.Duration? = .seconds(3600)) {
            self.count = count
            self.duration = duration
        }
    }

    public struct Override: Sendable, Hashable {
        public enum Match: Sendable, Hashable {
            case id(String)
            case name(String)
            case tag(String)
        }
        public var match: Match
        /// The tier (`.some(nil)`: no alert); nil leaves the level's tier.
        public var tier: Int??
        public var key: [String]?
        public var gap: Timestamp.Duration?
        /// Where the override is written (errors and `vigil check` name it).
        public var line: Int
        public var column: Int

        public init(match: Match, tier: Int?? = nil, key: [String]? = nil, gap: Timestamp.Duration? = nil, line: Int = 0, column: Int = 0) {
            self.match = match
            self.tier = tier
            self.key = key
            self.gap = gap
            self.line = line
            self.column = column
        }
    }

    /// The default policy: informational → no alert, low and medium → 1, high → 2, critical → 3; key
    /// `host`, gap 10 minutes; escalation after 1,000 detections or an hour.
    public init(
        levels: [String: Int?] = TierPolicy.defaultLevels, suppression: Suppression = Suppression(),
        escalation: Escalation = Escalation(), overrides: [Override] = []
    ) {
        self.levels = levels
        self.suppression = suppression
        self.escalation = escalation
        self.overrides = overrides
    }

    public static let defaultLevels: [String: Int?] = [
        "informational": nil, "low": 1, "medium": 1, "high": 2, "critical": 3,
    ]

    /// What the policy decides for one rule.
    public struct Decision: Sendable, Hashable {
        /// nil: the rule's alerts are not emitted.
        public var tier: Int?
        public var key: [String]
        public var gap: Timestamp.Duration
    }

    /// The decision for `rule`: its level's tier, then the override that matches best.
    public func decide(_ rule: Alert.Rule) -> Decision {
        var decision = Decision(
            tier: levels[rule.level] ?? levels["medium"] ?? 1, key: suppression.key, gap: suppression.gap)
        // Lowest precedence first, so that a better match overwrites: tags, then name, then id.
        let tagMatches = overrides.filter { if case .tag(let tag) = $0.match { rule.tags.contains(tag) } else { false } }
        let ordered =
            tagMatches.sorted { ($0.tier.flatMap { $0 } ?? 0) < ($1.tier.flatMap { $0 } ?? 0) }
            + overrides.filter { if case .name(let name) = $0.match { name == rule.name } else { false } }
            + overrides.filter { if case .id(let id) = $0.match { id == rule.id } else { false } }
        for override in ordered {
            if let tier = override.tier { decision.tier = tier }
            if let key = override.key { decision.key = key }
            if let gap = override.gap { decision.gap = gap }
        }
        return decision
    }
}
