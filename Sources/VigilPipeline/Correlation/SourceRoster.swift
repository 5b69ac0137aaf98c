import Synchronization
import VigilEvent

/// The inputs of a run as the correlation watermark sees them: which sources are expected from the
/// start (files and stdin) and after which input ticket each finite source has ended.
///
/// Readers report their end here; the correlation stage reads it on the collector thread.
public final class SourceRoster: Sendable {
    private struct State {
        var expected: [SourceID] = []
        var ended: [(source: SourceID, beforeTicket: UInt64)] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// A source that will deliver batches (a file or stdin): the watermark waits for its first batch.
    public func expect(_ source: SourceID) {
        state.withLock { $0.expected.append(source) }
    }

    /// The source delivered its last batch, which has a ticket below `ticket`.
    public func end(_ source: SourceID, beforeTicket ticket: UInt64) {
        state.withLock { $0.ended.append((source, ticket)) }
    }

    var expected: [SourceID] { state.withLock { $0.expected } }

    /// Sources that ended before `ticket` (each reported once).
    func takeEnded(before ticket: UInt64) -> [SourceID] {
        state.withLock { state in
            var taken: [SourceID] = []
            state.ended.removeAll { entry in
                guard entry.beforeTicket <= ticket else { return false }
                taken.append(entry.source)
                return true
            }
            return taken
        }
    }
}

/// Event-time progress over several sources: the correlation watermark follows the slowest source
/// still delivering, so that files replayed side by side (auth.log next to an access log of the same
/// hours) do not make each other's events late.
///
/// A source counts from its first batch, or from the start when the roster expects it (until then it
/// holds progress at the beginning of time); it stops counting when it ended, or, in a live run, when it
/// delivered nothing for ``idleSourceTimeout`` of wall-clock time (a closed connection).
struct SourceWatermarks {
    private var latest: [SourceID: Timestamp] = [:]
    private var lastBatch: [SourceID: ContinuousClock.Instant] = [:]
    private let roster: SourceRoster
    private let clock = ContinuousClock()
    let idleSourceTimeout: Duration?

    init(roster: SourceRoster, idleSourceTimeout: Duration?) {
        self.roster = roster
        self.idleSourceTimeout = idleSourceTimeout
        for source in roster.expected { latest[source] = .distantPast }
    }

    /// Notes one batch result and returns the event time all live sources have reached (nil when no
    /// source is counted any more).
    mutating func observe(_ result: BatchResult) -> Timestamp? {
        if result.eventCount > 0 {
            latest[result.source] = max(latest[result.source] ?? .distantPast, result.maxEventTime)
        } else if latest[result.source] == nil {
            latest[result.source] = .distantPast
        }
        if idleSourceTimeout != nil { lastBatch[result.source] = clock.now }
        for source in roster.takeEnded(before: result.ticket + 1) {
            latest[source] = nil
            lastBatch[source] = nil
        }
        return progress()
    }

    /// Drops sources idle for longer than the timeout (live runs) and returns the progress.
    mutating func progress() -> Timestamp? {
        if let timeout = idleSourceTimeout {
            let now = clock.now
            for (source, seen) in lastBatch where now - seen > timeout {
                latest[source] = nil
                lastBatch[source] = nil
            }
        }
        return latest.values.min()
    }
}
