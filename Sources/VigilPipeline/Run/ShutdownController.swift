import Dispatch
import Synchronization
import VigilIngest

/// Ends the inputs of a run exactly once, whoever asks first: a signal, the output going away, or a
/// failing stage. Readers stop at their next batch; listeners close (flushing their connections).
final class ShutdownController: Sendable {
    let stop = StopToken()
    private let requested = Atomic<Bool>(false)
    private let listeners: ListenerGroup?
    private let inputsDone: DispatchGroup

    /// `inputsDone` must have been entered once on behalf of `listeners`; shutting down leaves it.
    init(listeners: ListenerGroup?, inputsDone: DispatchGroup) {
        self.listeners = listeners
        self.inputsDone = inputsDone
    }

    var isRequested: Bool { requested.load(ordering: .acquiring) }

    func shutdown() {
        guard requested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        stop.requestStop()
        if let listeners {
            DispatchQueue.global().async { [inputsDone] in
                listeners.stop()
                inputsDone.leave()
            }
        }
    }
}
