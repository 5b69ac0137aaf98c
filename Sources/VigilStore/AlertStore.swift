import Logging
import VigilOutput

/// Every alert vigil raised and every analyst's action on them, in SQLite (`<state directory>/alerts.sqlite`,
/// WAL) through GRDB: what the console, `vigil tail` and the API read, and what survives a restart.
///
/// Alerts come in through ``output(minimumTier:options:)``, an ``AlertOutput`` like the others, and are
/// written in batched transactions on that output's thread; each committed batch is published on
/// ``feed`` for live streams. Reads may come from any thread.
public final class AlertStore: Sendable {
    /// The live fan-out of committed alerts and triage changes.
    public let feed: AlertFeed

    /// Opens (creating it and its directory when missing) and migrates the store under `directory`.
    public init(directory: String, logger: Logger) throws(StoreError) {
        feed = AlertFeed()
        throw .unavailable("not implemented yet")
    }

    /// The output that writes alerts into the store. Its queue spools like any output's; when even the
    /// spool is full, ``AlertOutput/accept(_:)`` waits (intake slows, counted) instead of dropping.
    public func output(minimumTier: Int = 1, options: QueuedOutput.Options) -> any AlertOutput {
        fatalError("not implemented yet")
    }

    /// Alerts, newest first.
    public func alerts(_ query: AlertQuery) throws(StoreError) -> Page<StoredAlert> { throw .unavailable("not implemented yet") }

    /// Episodes (latest alert and triage state), newest activity first.
    public func episodes(_ query: AlertQuery) throws(StoreError) -> Page<EpisodeSummary> { throw .unavailable("not implemented yet") }

    /// One alert by its `id`.
    public func alert(id: String) throws(StoreError) -> StoredAlert? { throw .unavailable("not implemented yet") }

    /// One episode by its id.
    public func episode(id: Int64) throws(StoreError) -> EpisodeSummary? { throw .unavailable("not implemented yet") }

    /// The alerts of an episode, oldest first.
    public func alerts(ofEpisode id: Int64) throws(StoreError) -> [StoredAlert] { throw .unavailable("not implemented yet") }

    /// Alerts stored after `sequence`, oldest first: what a stream that resumes is sent before it goes live.
    public func alerts(after sequence: Int64, limit: Int) throws(StoreError) -> [StoredAlert] {
        throw .unavailable("not implemented yet")
    }

    /// The store sequence of the alert `id` (a stream's `Last-Event-ID`), nil when unknown.
    public func sequence(ofAlert id: String) throws(StoreError) -> Int64? { throw .unavailable("not implemented yet") }

    /// An episode's history, oldest first.
    public func history(episode id: Int64) throws(StoreError) -> [TriageEntry] { throw .unavailable("not implemented yet") }

    /// Applies an analyst's action to an episode, records it (who, when, note) and publishes it on ``feed``.
    public func act(_ action: TriageAction, episode id: Int64, actor: String) throws(TriageError) -> TriageEntry {
        throw .storage("not implemented yet")
    }

    /// Exceptions, the expired ones too when asked.
    public func exceptions(includingExpired: Bool) throws(StoreError) -> [AlertException] { throw .unavailable("not implemented yet") }

    /// The live exception list the pipeline consults before any output (kept in step with the store).
    public var exceptionList: AlertExceptionList { fatalError("not implemented yet") }

    /// Deletes alerts (and the history of episodes with no alert left) whose `detected_at` is older than
    /// `before` (nanoseconds since the epoch); returns how many alerts went.
    public func prune(before: Int64) throws(StoreError) -> Int { throw .unavailable("not implemented yet") }
}

/// Why the store cannot do what was asked.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database cannot be opened, created or migrated (path and reason).
    case unavailable(String)
    /// A query or write failed.
    case failed(String)

    public var description: String {
        switch self {
        case .unavailable(let message): "alert store unavailable: \(message)"
        case .failed(let message): "alert store: \(message)"
        }
    }
}
