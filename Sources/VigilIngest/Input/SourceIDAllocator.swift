import Synchronization
import VigilEvent

/// Hands out the ``SourceID``s of a run: one per file, stdin, UDP listener and TCP connection.
///
/// Sequence numbers are per source, so every TCP connection gets its own id when it is accepted.
public final class SourceIDAllocator: Sendable {
    private let next = Atomic<UInt32>(0)

    public init() {}

    /// A fresh id, never handed out before in this run.
    public func allocate() -> SourceID {
        SourceID(next.add(1, ordering: .relaxed).oldValue)
    }

    /// How many ids were handed out.
    public var count: Int { Int(next.load(ordering: .relaxed)) }
}
