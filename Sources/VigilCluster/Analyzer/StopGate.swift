import Atomics
import Dispatch
import Logging
import VigilAlert
import VigilOutput

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An analyzer stopped by SIGTERM or SIGINT publishes nothing from then on: what the run would make
/// while it drains and ends (windows decided as at the end of input, episodes closed) is not what a
/// single run of the whole input makes. Nothing is lost: the analyzer that takes over replays the
/// stream from its start and makes those alerts at their right place (ids are deterministic; the
/// alert stream keeps each once).
///
/// It watches the signals with Dispatch sources of its own, beside the run's (libdispatch tells every
/// source of a signal; the run's signal trap turns their default action off). `@unchecked Sendable`:
/// the sources are made in `init` and only cancelled in `deinit`.
public final class StopGate: AlertFilter, @unchecked Sendable {
    private let stopping = ManagedAtomic(false)
    private let sources: [any DispatchSourceSignal]

    public init(logger: Logger) {
        let stopping = stopping
        sources = [SIGTERM, SIGINT].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if !stopping.exchange(true, ordering: .relaxed) {
                    logger.notice(
                        "signal \(number): alerts from here on are left to the analyzer that takes over (it replays the stream)")
                }
            }
            source.resume()
            return source
        }
    }

    deinit { for source in sources { source.cancel() } }

    public func filter(_ alerts: AlertLines, now: Int64) -> (kept: AlertLines, excepted: Int) {
        guard stopping.load(ordering: .relaxed), !alerts.isEmpty else { return (alerts, 0) }
        return (AlertLines(), alerts.count)
    }
}
