import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a run does on each signal it handles. The one place signals are given a meaning:
///
/// - SIGINT, SIGTERM: ``stop`` (drain and exit 0), with how many of them arrived so far (a second one
///   exits at once);
/// - SIGUSR1: ``summary`` (write the run summary so far to stderr; the run goes on);
/// - SIGHUP: ``reload`` (rules, decoders and mapping without a restart: see ``Reloader`` and
///   ``Runner/reload(_:plan:pipeline:sink:roster:keeping:logger:)``).
///
/// Each action runs on the trap's serial queue, never in signal context.
struct SignalActions: Sendable {
    var stop: @Sendable (_ signal: Int32, _ count: Int) -> Void
    var summary: @Sendable () -> Void
    var reload: @Sendable () -> Void
}

/// Turns the signals of ``SignalActions`` into calls on a Dispatch queue.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// Until a run catches them, SIGHUP and SIGUSR1, whose default action ends the process, are
    /// ignored: a signal sent while rules load must not kill vigil. SIGINT and SIGTERM keep their
    /// default until then (nothing to drain yet).
    static func ignoreUntilCaught() {
        signal(SIGHUP, SIG_IGN)
        signal(SIGUSR1, SIG_IGN)
    }

    /// Starts catching SIGINT, SIGTERM, SIGUSR1 and SIGHUP.
    init(_ actions: SignalActions) {
        let queue = DispatchQueue(label: "vigil.signals")
        let stops = SignalCounter()
        let handlers: [(Int32, @Sendable () -> Void)] = [
            (SIGINT, { actions.stop(SIGINT, stops.increment()) }),
            (SIGTERM, { actions.stop(SIGTERM, stops.increment()) }),
            (SIGUSR1, actions.summary),
            (SIGHUP, actions.reload),
        ]
        sources = handlers.map { number, handler in
            // The default action must be off for the Dispatch source to see the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    /// Stops catching (the signals stay ignored until the process exits).
    func cancel() {
        for source in sources { source.cancel() }
    }
}

/// Only touched on the trap's serial queue.
private final class SignalCounter: @unchecked Sendable {
    private var count = 0

    func increment() -> Int {
        count += 1
        return count
    }
}
