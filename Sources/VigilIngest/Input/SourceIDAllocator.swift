import Synchronization
import VigilEvent

/// Hands out the ``SourceID``s of a run: one per file, stdin, UDP listener and TCP connection.
///
/// Sequence numbers are per source, so every TCP connection gets its own id when it is accepted.
public final class SourceIDAllocator: Sendable {
    private let next: Atomic<UInt32>
    private let first: UInt32

    /// Ids from `first` on: a run that restored correlation state starts after the ids its waiting
    /// inputs keep, so that they stay distinct from the new run's.
    public init(first: UInt32 = 0) {
        next = Atomic(first)
        self.first = first
    }

    /// A fresh id, never handed out before in this run.
    public func allocate() -> SourceID {
        SourceID(next.add(1, ordering: .relaxed).oldValue)
    }

    /// How many ids were handed out (counting from the first).
    public var count: Int { Int(next.load(ordering: .relaxed) - first) }
}
