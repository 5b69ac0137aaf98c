/// What an analyst does to an episode.
public enum TriageAction: Sendable, Hashable {
    case acknowledge(note: String?)
    /// To a higher tier (at most 3), with a note.
    case escalate(toTier: Int, note: String?)
    /// With a resolution; a false positive may add an exception for the rule and entity until `exceptionUntil`
    /// (nanoseconds since the epoch; nil: no exception).
    case close(resolution: Resolution, note: String?, exceptionUntil: Int64?)
}

/// One line of an episode's history: who did what, when, with which note.
public struct TriageEntry: Sendable, Hashable {
    /// The store's sequence of history entries.
    public var sequence: Int64
    public var episodeID: Int64
    /// `acknowledge`, `escalate`, `close`, `exception_added`, `exception_expired`.
    public var action: String
    /// The token's name (`local` when the console runs without tokens).
    public var actor: String
    /// Wall clock, nanoseconds since the epoch.
    public var at: Int64
    public var note: String?
    public var fromTier: Int?
    public var toTier: Int?
    public var resolution: Resolution?
    /// The exception this entry added, if any.
    public var exceptionID: Int64?

    public init(
        sequence: Int64, episodeID: Int64, action: String, actor: String, at: Int64, note: String? = nil, fromTier: Int? = nil,
        toTier: Int? = nil, resolution: Resolution? = nil, exceptionID: Int64? = nil
    ) {
        self.sequence = sequence
        self.episodeID = episodeID
        self.action = action
        self.actor = actor
        self.at = at
        self.note = note
        self.fromTier = fromTier
        self.toTier = toTier
        self.resolution = resolution
        self.exceptionID = exceptionID
    }
}

/// Why a triage action was refused.
public enum TriageError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownEpisode(Int64)
    /// Escalating to a tier not above the current one, or beyond 3; closing a closed episode.
    case invalid(String)
    case storage(String)

    public var description: String {
        switch self {
        case .unknownEpisode(let id): "no episode \(id)"
        case .invalid(let message): message
        case .storage(let message): "alert store: \(message)"
        }
    }
}
