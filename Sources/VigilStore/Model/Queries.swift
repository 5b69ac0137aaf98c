/// Which alerts or episodes a listing returns. Every filter is optional; listings are newest first.
public struct AlertQuery: Sendable, Hashable {
    /// Event time range (nanoseconds since the epoch), inclusive start, exclusive end.
    public var from: Int64?
    public var to: Int64?
    public var tiers: Set<Int> = []
    /// Alert `episode.state` (opened, updated, closed) for alerts; for episodes the latest alert's.
    public var states: Set<String> = []
    /// Triage states (episodes only).
    public var triage: Set<TriageState> = []
    /// Rule id, name or title.
    public var rule: String?
    public var kind: String?
    /// Lowest Sigma level (informational < low < medium < high < critical).
    public var minimumLevel: String?
    /// A substring of the entity's canonical JSON.
    public var entity: String?
    /// A substring of the alert's JSON (evidence included).
    public var text: String?
    /// Page size (at most 1000) and the opaque cursor of the previous page's ``AlertPage/next``.
    public var limit: Int = 100
    public var cursor: String?

    public init() {}
}

/// One page of a listing and the cursor of the next (nil at the end).
public struct Page<Item: Sendable & Hashable>: Sendable, Hashable {
    public var items: [Item]
    public var next: String?

    public init(items: [Item], next: String?) {
        self.items = items
        self.next = next
    }
}

/// An exception an analyst added when closing an episode as a false positive: alerts of the rule with
/// the same entity are not raised until it expires.
public struct AlertException: Sendable, Hashable {
    public var id: Int64
    public var ruleID: String
    /// Canonical JSON of the entity it applies to.
    public var entity: String
    /// Nanoseconds since the epoch.
    public var createdAt: Int64
    public var expiresAt: Int64
    public var createdBy: String
    public var note: String?
    /// The episode whose closing added it.
    public var episodeID: Int64
    /// Alerts it kept from being raised so far.
    public var applied: Int64

    public init(
        id: Int64, ruleID: String, entity: String, createdAt: Int64, expiresAt: Int64, createdBy: String, note: String?, episodeID: Int64,
        applied: Int64 = 0
    ) {
        self.id = id
        self.ruleID = ruleID
        self.entity = entity
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.note = note
        self.episodeID = episodeID
        self.applied = applied
    }

    /// Whether it no longer applies at `now` (nanoseconds since the epoch).
    public func isExpired(now: Int64) -> Bool { expiresAt <= now }
}
