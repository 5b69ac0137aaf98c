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
        /// Every end, kept (finite sources only: files and stdin), for the archive's record of the run.
        var history: [(source: SourceID, beforeTicket: UInt64)] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// A source that will deliver batches (a file or stdin): the watermark waits for its first batch.
    public func expect(_ source: SourceID) {
        state.withLock { $0.expected.append(source) }
    }

    /// The source delivered its last batch, which has a ticket below `ticket`.
    public func end(_ source: SourceID, beforeTicket ticket: UInt64) {
        state.withLock {
            $0.ended.append((source, ticket))
            $0.history.append((source, ticket))
        }
    }

    var expected: [SourceID] { state.withLock { $0.expected } }

    /// The ends reported so far, from the `skipping`-th on (unlike ``takeEnded(before:)``, reading
    /// takes nothing away).
    func endHistory(skipping: Int) -> [(source: SourceID, beforeTicket: UInt64)] {
        state.withLock { Array($0.history.dropFirst(skipping)) }
    }

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
