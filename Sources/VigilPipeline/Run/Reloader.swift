import Dispatch
import Logging
import Synchronization
import VigilEvent

/// SIGHUP: loads the rules, decoders and logsource mapping again, with the loader and options of the
/// run's start, on a queue of its own (neither the collector nor the signal queue waits for it), and
/// hands a good set to the collector with a ``CollectorRequest/reload`` request. A set with problems
/// is logged, problem by problem as `file:line:column: message`, counted, and the run goes on with
/// the rules it has. Signals that come while a reload loads are served one after the other.
final class Reloader: Sendable {
    private let queue = DispatchQueue(label: "vigil.reload")
    private let pending = Mutex<LoadedRules?>(nil)
    private let failures = Atomic<UInt64>(0)

    /// Reloads that failed so far.
    var failed: UInt64 { failures.load(ordering: .relaxed) }

    /// Loads `options` off the calling thread; calls `ready` once a good set is waiting for ``take()``.
    func load(_ options: RuleLoadOptions, logger: Logger, ready: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            logger.info("SIGHUP: reloading rules, decoders and the logsource mapping")
            let rules: LoadedRules
            do throws(RuleLoadError) {
                rules = try LoadedRules.load(options)
            } catch {
                failures.add(1, ordering: .relaxed)
                logger.error(
                    "SIGHUP: reload failed with \(error.diagnostics.count) problems; the run goes on with the rules it has")
                for diagnostic in error.diagnostics { logger.error("\(diagnostic)") }
                return
            }
            for line in Runner.skippedFileLines(rules) { logger.error("\(line)") }
            pending.withLock { $0 = rules }
            ready()
        }
    }

    /// The set loaded last, once (nil when it was taken already).
    func take() -> LoadedRules? {
        pending.withLock { pending in
            defer { pending = nil }
            return pending
        }
    }
}
