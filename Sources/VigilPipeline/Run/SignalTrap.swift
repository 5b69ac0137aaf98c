import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT and SIGTERM into a callback on a Dispatch queue (never in signal context), counting how
/// many arrived so that a second one can force an exit.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// Starts catching `signals`; `handler` gets the signal and how many signals were caught so far.
    init(_ signals: [Int32], handler: @escaping @Sendable (Int32, Int) -> Void) {
        let queue = DispatchQueue(label: "vigil.signals")
        let counter = SignalCounter()
        sources = signals.map { number in
            // The default action must be off for the Dispatch source to see the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                handler(number, counter.increment())
            }
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
