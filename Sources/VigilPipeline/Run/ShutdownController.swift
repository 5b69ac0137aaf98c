import Dispatch
import Synchronization
import VigilIngest

/// Ends the inputs of a run exactly once, whoever asks first: a signal, the output going away, or a
/// failing stage. Readers stop at their next batch; listeners close (flushing their connections).
///
/// Made before anything starts, so that a signal arriving during start-up is not lost: listeners
/// attached after a shutdown was requested are stopped at once.
final class ShutdownController: Sendable {
    let stop = StopToken()

    private struct State {
        var requested = false
        var listeners: ListenerGroup?
        var inputsDone: DispatchGroup?
        /// A signal stopped the run before its input ended by itself.
        var signalled = false
        var inputEnded = false
    }
    private let state = Mutex(State())

    init() {}

    /// Registers the listeners; `inputsDone` is entered now and left once they are stopped.
    func attach(listeners: ListenerGroup, inputsDone: DispatchGroup) {
        inputsDone.enter()
        let stopNow = state.withLock { state in
            state.listeners = listeners
            state.inputsDone = inputsDone
            return state.requested
        }
        if stopNow { Self.stop(listeners, inputsDone) }
    }

    /// Whether a signal stopped the run before its input ended by itself: then correlation keeps its
    /// open windows for the next start instead of deciding them (docs/correlation.md, "Restarts").
    var stoppedBySignal: Bool { state.withLock { $0.signalled } }

    /// Every input ended (by itself, or because a stop was asked).
    func inputsEnded() {
        state.withLock { $0.inputEnded = true }
    }

    /// Stops the inputs; `bySignal` for SIGINT and SIGTERM.
    func shutdown(bySignal: Bool = false) {
        let attached: (ListenerGroup, DispatchGroup)? = state.withLock { state in
            if bySignal && !state.inputEnded { state.signalled = true }
            guard !state.requested else { return nil }
            state.requested = true
            guard let listeners = state.listeners, let group = state.inputsDone else { return nil }
            return (listeners, group)
        }
        stop.requestStop()
        if let (listeners, group) = attached { Self.stop(listeners, group) }
    }

    private static func stop(_ listeners: ListenerGroup, _ inputsDone: DispatchGroup) {
        // Stopping blocks until connections are closed: not on the caller's (signal) queue.
        DispatchQueue.global().async {
            listeners.stop()
            inputsDone.leave()
        }
    }
}
