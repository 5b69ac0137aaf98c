import Synchronization

/// A flag readers poll between reads so a signal can end a run cleanly.
///
/// Shared by all readers of a run; setting it is idempotent.
public final class StopToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks every reader holding this token to finish its current batch and stop.
    public func requestStop() {
        flag.store(true, ordering: .releasing)
    }

    /// Whether a stop was requested.
    public var isStopRequested: Bool {
        flag.load(ordering: .acquiring)
    }
}
