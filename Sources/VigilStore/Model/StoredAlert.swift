/// One alert as the store keeps it: the alert's JSON line exactly as the outputs got it, and what the
/// store reads out of it to index and to group it into its episode.
public struct StoredAlert: Sendable, Hashable {
    /// The store's insertion sequence (increasing from 1; a re-delivered duplicate may leave a gap, and
    /// a number is never used again, even after pruning): with `time`, what orders alerts, and what a
    /// live stream resumes from.
    public var sequence: Int64
    /// The alert's `id` (32 hex digits).
    public var id: String
    /// The alert's `episode.id`; for an alert without an episode (`--emit all`) a number the store
    /// derives from the alert id, so every alert belongs to one episode.
    public var episodeID: Int64
    public var kind: String
    /// The alert's `tier` as the pipeline gave it (1 to 3).
    public var tier: Int
    /// `episode.state`: `opened`, `updated` or `closed` (`opened` without an episode).
    public var state: String
    public var ruleID: String
    public var ruleTitle: String
    public var level: String
    /// The alert's `entity` object as canonical JSON (keys sorted), `{}` when it has none.
    public var entity: String
    public var host: String?
    /// Event time (`time`) and wall-clock time (`detected_at`), in nanoseconds since the epoch.
    public var time: Int64
    public var detectedAt: Int64
    /// The alert's JSON object, unchanged (evidence included).
    public var json: String

    public init(
        sequence: Int64, id: String, episodeID: Int64, kind: String, tier: Int, state: String, ruleID: String, ruleTitle: String,
        level: String, entity: String, host: String?, time: Int64, detectedAt: Int64, json: String
    ) {
        self.sequence = sequence
        self.id = id
        self.episodeID = episodeID
        self.kind = kind
        self.tier = tier
        self.state = state
        self.ruleID = ruleID
        self.ruleTitle = ruleTitle
        self.level = level
        self.entity = entity
        self.host = host
        self.time = time
        self.detectedAt = detectedAt
        self.json = json
    }
}
