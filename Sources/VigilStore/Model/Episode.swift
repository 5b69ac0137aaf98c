/// What an analyst works on: the alerts of one episode (`episode.id`), their latest state and count,
/// and the triage state analysts gave it.
public struct EpisodeSummary: Sendable, Hashable {
    public var episodeID: Int64
    public var kind: String
    public var ruleID: String
    public var ruleTitle: String
    public var level: String
    /// Canonical JSON of the episode's `entity`.
    public var entity: String
    public var host: String?
    /// The tier the queue shows: the latest alert's tier, or the tier an analyst escalated it to.
    public var tier: Int
    /// The latest alert's `episode.state` (`opened`, `updated`, `closed`).
    public var alertState: String
    /// The latest alert's `episode.count` (1 without an episode).
    public var count: Int64
    /// Event times of the first and latest alert (nanoseconds since the epoch).
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// The latest alert's id and store sequence.
    public var latestAlertID: String
    public var latestSequence: Int64
    public var triage: TriageState
    /// Set when the episode was closed by an analyst.
    public var resolution: Resolution?

    public init(
        episodeID: Int64, kind: String, ruleID: String, ruleTitle: String, level: String, entity: String, host: String?, tier: Int,
        alertState: String, count: Int64, firstSeen: Int64, lastSeen: Int64, latestAlertID: String, latestSequence: Int64,
        triage: TriageState, resolution: Resolution?
    ) {
        self.episodeID = episodeID
        self.kind = kind
        self.ruleID = ruleID
        self.ruleTitle = ruleTitle
        self.level = level
        self.entity = entity
        self.host = host
        self.tier = tier
        self.alertState = alertState
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.latestAlertID = latestAlertID
        self.latestSequence = latestSequence
        self.triage = triage
        self.resolution = resolution
    }
}

/// Where an episode is in an analyst's hands.
public enum TriageState: String, Sendable, Hashable, CaseIterable {
    /// Nobody has acted on it yet.
    case new
    case acknowledged
    case escalated
    case closed
}

/// Why an analyst closed an episode.
public enum Resolution: String, Sendable, Hashable, CaseIterable {
    case truePositive = "true_positive"
    case falsePositive = "false_positive"
    case benign
}
