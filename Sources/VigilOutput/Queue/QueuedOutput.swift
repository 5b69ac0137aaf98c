import Dispatch
import Foundation
import Logging
import Synchronization
import VigilAlert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An ``AlertOutput`` that queues alerts and delivers them from a thread of its own through an
/// ``AlertTransport``: what every output (standard output, file, syslog, webhook) shares.
///
/// - ``accept(_:)`` appends to a memory queue bounded in bytes and returns at once; it never waits for
///   the receiver.
/// - One thread per output takes the oldest alerts in batches and hands them to the transport. When the
///   transport reports the receiver down, the thread tries again after an exponential back-off
///   (``RetryPolicy``), counting ``AlertOutputCounts/retried``, never skipping ahead: order is kept.
/// - When the memory queue is full, alerts go to the spool file (``SpoolFile``) under
///   `<state directory>/spool/`, bounded in bytes; while the spool holds undelivered alerts every new
///   alert goes behind them in the spool, so the thread delivers memory, then spool, in the order
///   alerts came. When the spool is full too, alerts are dropped, counted and logged (at most one log
///   line per ``Options/dropLogInterval``).
/// - ``finish(timeout:)`` delivers what waits; whatever the receiver has not taken by the time limit is
///   written to the spool (counted in ``AlertOutputCounts/leftInSpool``, not dropped), and the next
///   output of the same name delivers it first when it starts.
///
/// Delivery is at least once: a crash, or a receiver that took a batch but whose answer was lost (a
/// time-out), can make a batch arrive twice; a batch the receiver acknowledged is never sent again.
public final class QueuedOutput: AlertOutput {
    /// Limits and where the spool lives.
    public struct Options: Sendable {
        /// Bytes of alerts held in memory before they go to the spool (16 MiB).
        public var memoryLimit: Int
        /// The directory under which `spool/<sanitized name>.spool` is kept; nil: no spool (alerts the
        /// memory queue cannot hold are dropped, and so are those left at ``QueuedOutput/finish(timeout:)``).
        public var stateDirectory: String?
        /// The spool file's size limit in bytes (256 MiB).
        public var spoolLimit: Int
        /// The back-off between attempts while the receiver is down.
        public var retry: RetryPolicy
        /// At most one log line about dropped alerts per interval (the rest are summed into the next).
        public var dropLogInterval: Duration
        /// At most one "still failing" log line per interval while the receiver stays down.
        public var failureLogInterval: Duration
        /// When the memory queue and the spool are both full, ``QueuedOutput/accept(_:)`` waits for room
        /// (slowing whoever hands it alerts, counted in ``AlertOutputCounts/stalled``) instead of dropping.
        /// For an output that must never lose an alert (the alert store); every other output keeps the
        /// default (false), so that a dead receiver never holds up detection.
        public var waitsWhenFull: Bool

        public init(
            memoryLimit: Int = 16 << 20, stateDirectory: String? = nil, spoolLimit: Int = 256 << 20, retry: RetryPolicy = RetryPolicy(),
            dropLogInterval: Duration = .seconds(10), failureLogInterval: Duration = .seconds(60), waitsWhenFull: Bool = false
        ) {
            self.memoryLimit = max(0, memoryLimit)
            self.stateDirectory = stateDirectory
            self.spoolLimit = max(0, spoolLimit)
            self.retry = retry
            self.dropLogInterval = dropLogInterval
            self.failureLogInterval = failureLogInterval
            self.waitsWhenFull = waitsWhenFull
        }
    }

    public let name: String
    public let minimumTier: Int
    /// The spool file's path (whether or not it exists yet); nil without a state directory.
    public let spoolPath: String?

    private let options: Options
    private let logger: Logger
    private let state: Mutex<State>
    /// Wakes the thread: an alert arrived while it was idle, or ``finish(timeout:)`` was called.
    private let wakeup = DispatchSemaphore(value: 0)
    /// Signalled once by the thread as it exits.
    private let stopped = DispatchSemaphore(value: 0)
    /// Wakes an ``accept(_:)`` waiting for room (``Options/waitsWhenFull``): the thread took alerts out
    /// of the queue or the spool, or stopped.
    private let room = DispatchSemaphore(value: 0)
    private let transport: ThreadOwned<any AlertTransport>

    /// Starts the output's thread. An existing spool file (a previous run's leftovers) is checked and
    /// its alerts delivered before any alert given to ``accept(_:)``.
    ///
    /// - Parameters:
    ///   - name: Names the output in logs and, sanitized, its spool file: keep it stable from one run
    ///     to the next (the factory uses the output's address) and unique among a run's outputs.
    ///   - transport: Used from the output's thread only, from now on.
    public init(
        name: String, minimumTier: Int = 1, transport: any AlertTransport, options: Options = Options(), logger: Logger
    ) {
        self.name = name
        self.minimumTier = minimumTier
        self.options = options
        var logger = logger
        logger[metadataKey: "output"] = "\(name)"
        self.logger = logger
        self.transport = ThreadOwned(transport)
        spoolPath = options.stateDirectory.map { Self.spoolPath(stateDirectory: $0, name: name) }

        if let spoolPath {
            // Temporaries a crash left behind mid-rewrite; the spool itself was never replaced by them.
            unlink(spoolPath + ".compacting")
            unlink(spoolPath + ".writing")
        }
        var initial = State()
        initial.dropLogInterval = options.dropLogInterval
        if let spoolPath, access(spoolPath, F_OK) == 0 {
            switch SpoolFile.openOrCreate(path: spoolPath) {
            case .success(let opened):
                for note in opened.notes { logger.warning("spool \(spoolPath): \(note)") }
                initial.spool = opened.spool
                initial.counts.recovered = UInt64(opened.alerts)
                if opened.alerts > 0 {
                    logger.notice("\(opened.alerts) alerts left by an earlier run in \(spoolPath): delivering them first")
                }
            case .failure(let error):
                logger.error("\(error): alerts an earlier run left there are not delivered")
            }
        }
        state = Mutex(initial)

        let thread = Thread { [self] in run() }
        thread.name = "vigil-output"
        thread.start()
    }

    /// Where the spool of the output `name` lives under `stateDirectory`.
    public static func spoolPath(stateDirectory: String, name: String) -> String {
        let directory = stateDirectory.hasSuffix("/") ? String(stateDirectory.dropLast()) : stateDirectory
        return "\(directory)/spool/\(sanitizedFileName(name)).spool"
    }

    /// `name` as a file name: letters, digits, `.`, `-` and `_` kept, runs of anything else one `_`;
    /// a long name is cut and given a hash of the whole, so two long names cannot share a spool.
    public static func sanitizedFileName(_ name: String) -> String {
        var result = ""
        var lastWasReplaced = false
        for scalar in name.unicodeScalars {
            if scalar.isASCII,
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "-" || scalar == "_"
            {
                result.unicodeScalars.append(scalar)
                lastWasReplaced = false
            } else if !lastWasReplaced {
                result.append("_")
                lastWasReplaced = true
            }
        }
        while result.hasPrefix(".") { result.removeFirst() }
        if result.isEmpty { result = "output" }
        if result.utf8.count > 120 {
            // FNV-1a: stable across runs, unlike Swift's seeded Hasher.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            result = String(result.prefix(100)) + "-" + String(hash, radix: 16)
        }
        return result
    }

    // MARK: AlertOutput

    public func accept(_ alerts: AlertLines) {
        let lines = minimumTier > 1 ? alerts.filtered(minimumTier: minimumTier) : alerts
        guard !lines.isEmpty else { return }
        let memoryLimit = options.memoryLimit, spoolLimit = options.spoolLimit, spoolPath = spoolPath
        let waits = options.waitsWhenFull
        // Alerts before `placed` are in memory or in the spool; with `waitsWhenFull`, the rest wait for room.
        var placed = 0
        var stalled = false
        while true {
            let (wake, dropReport, next) = state.withLock { state -> (Bool, DropReport?, Int) in
                if placed == 0 && !stalled { state.counts.accepted += UInt64(lines.count) }
                if state.closed || state.stopped {
                    let reason = state.closed ? "the reader went away" : "the output has finished"
                    if stalled { state.stallingSince = nil }
                    return (false, state.drop(lines.count - placed, reason: reason), lines.count)
                }
                var report: DropReport?
                var index = placed
                let spoolWaiting = (state.spool?.unreadAlerts ?? 0) > 0
                if index == 0 && !spoolWaiting && state.memoryBytes + lines.bytes.count <= memoryLimit {
                    state.appendToMemory(lines)
                    state.overflowingSince = nil
                    index = lines.count
                } else {
                    // Alerts that fit go to memory until the first that does not; from there on, to the
                    // spool, so that they stay in order.
                    if !spoolWaiting {
                        var part = AlertLines()
                        while index < lines.count, state.memoryBytes + part.bytes.count + lines.range(of: index).count <= memoryLimit {
                            part.append(lines, at: index)
                            index += 1
                        }
                        if !part.isEmpty { state.appendToMemory(part) }
                    }
                    if index < lines.count {
                        (report, index) = state.spoolOrDrop(lines, from: index, path: spoolPath, limit: spoolLimit, dropping: !waits)
                    }
                }
                if index < lines.count {
                    if !stalled { state.counts.stalled += 1 }
                    if state.stallingSince == nil { state.stallingSince = .now }
                    state.acceptWaiting = true
                } else if stalled {
                    state.stallingSince = nil
                }
                let wake = state.threadWaiting
                state.threadWaiting = false
                return (wake, report, index)
            }
            if let dropReport { logDrop(dropReport) }
            if wake { wakeup.signal() }
            if next == lines.count { return }
            if !stalled {
                stalled = true
                logger.debug("the memory queue and the spool are full: waiting for room")
            }
            placed = next
            // Woken when the thread makes room; the time-out only guards against a missed wake-up.
            _ = room.wait(timeout: .now() + .milliseconds(100))
        }
    }

    public func finish(timeout: Duration) {
        let first = state.withLock { state -> Bool in
            guard state.finishDeadline == nil else { return false }
            state.finishDeadline = .now + max(.zero, timeout)
            return true
        }
        guard first else { return }
        wakeup.signal()
        // The thread stops by the deadline, or after the transport attempt in flight at that moment
        // (every transport bounds its attempts, by the deadline or by its own time-out).
        let grace = Duration.seconds(30)
        if stopped.wait(timeout: .now() + Self.dispatchInterval(timeout + grace)) == .timedOut {
            logger.error("the output's thread did not stop within \(timeout + grace); alerts it still held may be lost")
        }
    }

    public var counts: AlertOutputCounts { state.withLock { $0.counts } }

    public var failure: String? { state.withLock { $0.failure } }

    public var health: AlertOutputHealth {
        let memoryLimit = options.memoryLimit, spoolLimit = options.spoolLimit, hasSpool = spoolPath != nil
        return state.withLock { state in
            var health = AlertOutputHealth()
            health.queuedAlerts = state.memoryAlerts + state.inFlightFromMemory.alerts
            health.queuedBytes = state.memoryBytes + state.inFlightFromMemory.bytes
            health.queueLimit = memoryLimit
            if let spool = state.spool {
                health.spooledAlerts = spool.unreadAlerts + spool.takenAlerts
                health.spoolBytes = spool.end
            }
            health.spoolLimit = hasSpool ? spoolLimit : 0
            health.dropped = state.counts.dropped
            health.stalled = state.counts.stalled
            health.stallingSince = state.stallingSince
            health.failingSince = state.failingSince
            health.overflowingSince = state.overflowingSince
            health.lastProblem = state.lastProblem
            return health
        }
    }

    // MARK: The output's thread

    /// Where the thread's next batch comes from.
    private enum Next {
        case memory(AlertLines)
        case spool(fd: Int32, from: Int, end: Int)
        case idle
        case finished
    }

    private func run() {
        Posix.blockSIGPIPEOnThisThread()
        let transport = self.transport.value
        var pending = AlertLines()
        var pendingFromSpool = false
        var failures = 0
        var lastFailureLog: ContinuousClock.Instant?
        var closed = false

        deliver: while true {
            if pending.isEmpty {
                // Read each time: a transport may lower it (a webhook answering 413).
                let limit = transport.batchLimit
                let next = state.withLock { state -> Next in
                    if let lines = state.takeFromMemory(limit: limit) {
                        state.wakeAccept(room)
                        return .memory(lines)
                    }
                    if let spool = state.spool, spool.unreadAlerts > 0 {
                        return .spool(fd: spool.fd, from: spool.readEnd, end: spool.end)
                    }
                    if state.finishDeadline != nil { return .finished }
                    state.threadWaiting = true
                    return .idle
                }
                switch next {
                case .memory(let lines):
                    pending = lines
                    pendingFromSpool = false
                case .spool(let fd, let from, let end):
                    guard let (lines, bytes) = SpoolFile.read(fd: fd, from: from, end: end, limit: limit) else {
                        let problem = "spool \(spoolPath ?? ""): read failed: \(Posix.describe(errno))"
                        logger.error("\(problem); retrying")
                        if sleep(until: .now + options.retry.maximumDelay) { break deliver }
                        continue
                    }
                    pending = lines
                    pendingFromSpool = true
                    state.withLock { state in
                        state.spool!.readEnd += bytes
                        state.spool!.unreadAlerts -= lines.count
                        state.spool!.takenAlerts += lines.count
                    }
                case .idle:
                    wakeup.wait()
                    continue
                case .finished:
                    break deliver
                }
            }
            if let deadline = state.withLock({ $0.finishDeadline }), deadline <= .now { break }

            let deadline = state.withLock { $0.finishDeadline } ?? .now + .seconds(3600)
            var outcome = transport.send(pending, deadline: deadline)
            outcome.done = min(max(0, outcome.done), pending.count)
            outcome.unsendable = min(max(0, outcome.unsendable), outcome.done)
            if outcome.done < pending.count && outcome.problem == nil {
                outcome.problem = .receiverDown("the transport stopped before the end of a batch")
            }

            let done = outcome.done
            if done > 0 {
                var spoolBytes = 0
                if pendingFromSpool { for index in 0..<done { spoolBytes += SpoolFile.recordSize(pending, index) } }
                let delivered = pending
                pending = AlertLines()
                for index in done..<delivered.count { pending.append(delivered, at: index) }
                let fromSpool = pendingFromSpool
                state.withLock { state in
                    state.counts.delivered += UInt64(done - outcome.unsendable)
                    state.counts.dropped += UInt64(outcome.unsendable)
                    if fromSpool {
                        state.spool!.delivered(bytes: spoolBytes, alerts: done)
                        _ = state.spool!.cutBackIfDelivered()
                        state.wakeAccept(room)
                    } else {
                        state.inFlightFromMemory = (pending.count, pending.bytes.count)
                    }
                }
                if fromSpool { compactSpoolIfWorthIt() }
            }

            guard let problem = outcome.problem else {
                if failures > 0 {
                    let since = state.withLock { state -> ContinuousClock.Instant? in
                        defer { state.failingSince = nil }
                        return state.failingSince
                    }
                    let downFor = since.map { ContinuousClock.now - $0 } ?? .zero
                    logger.notice("receiver back after \(Self.rounded(downFor)) and \(failures) failed attempts")
                    failures = 0
                    lastFailureLog = nil
                }
                continue
            }

            if case .closed(let message) = problem {
                closed = true
                let dropped = state.withLock { state -> Int in
                    state.closed = true
                    state.lastProblem = message
                    var dropped = pending.count + state.memoryAlerts
                    state.memory.removeAll()
                    state.memoryHead = 0
                    state.memoryHeadTaken = 0
                    state.memoryAlerts = 0
                    state.memoryBytes = 0
                    state.inFlightFromMemory = (0, 0)
                    if var spool = state.spool {
                        // Records taken from the spool are `pending`, counted above.
                        dropped += spool.unreadAlerts
                        spool.start = spool.end
                        spool.readEnd = spool.end
                        spool.unreadAlerts = 0
                        spool.takenAlerts = 0
                        spool.delivered(bytes: 0, alerts: 0)
                        _ = spool.cutBackIfDelivered()
                        state.spool = spool
                    }
                    state.counts.dropped += UInt64(dropped)
                    return dropped
                }
                pending = AlertLines()
                logger.error("\(message): \(dropped) alerts dropped, and every later one will be")
                break deliver
            }

            failures += 1
            let now = ContinuousClock.now
            let (since, isNew) = state.withLock { state -> (ContinuousClock.Instant, Bool) in
                state.lastProblem = problem.message
                if case .failed(let message) = problem, state.failure == nil { state.failure = message }
                if let since = state.failingSince { return (since, false) }
                state.failingSince = now
                return (now, true)
            }
            if isNew {
                logger.warning("receiver failing: \(problem.message); alerts wait in the queue and are retried")
            } else if lastFailureLog.map({ now - $0 >= options.failureLogInterval }) ?? true {
                logger.warning("receiver still failing after \(Self.rounded(now - since)) (\(failures) attempts): \(problem.message)")
                lastFailureLog = now
            }
            if lastFailureLog == nil { lastFailureLog = now }
            if sleep(until: now + options.retry.delay(attempt: failures)) { break deliver }
            state.withLock { $0.counts.retried += 1 }
        }

        if !closed { spoolLeftovers(pending: pending, pendingFromSpool: pendingFromSpool) }
        transport.close()
        let unlogged = state.withLock { state -> DropReport? in
            state.stopped = true
            state.wakeAccept(room)
            guard state.dropLog.unlogged > 0 else { return nil }
            defer { state.dropLog.unlogged = 0 }
            return DropReport(count: state.dropLog.unlogged, reason: state.dropLog.reason)
        }
        if let unlogged { logDrop(unlogged) }
        stopped.signal()
    }

    /// Waits until `instant`, or until the finish deadline if that comes first. Returns true when the
    /// finish deadline has passed (the thread should stop).
    private func sleep(until instant: ContinuousClock.Instant) -> Bool {
        while true {
            let deadline = state.withLock { $0.finishDeadline }
            let now = ContinuousClock.now
            if let deadline, deadline <= now { return true }
            let until = deadline.map { min($0, instant) } ?? instant
            if until <= now { return false }
            _ = wakeup.wait(timeout: .now() + Self.dispatchInterval(until - now))
        }
    }

    /// Writes what is still undelivered at a finish to the spool, in order: the batch in flight, the
    /// memory queue, then the spool's own unread records (which are newer).
    private func spoolLeftovers(pending: AlertLines, pendingFromSpool: Bool) {
        let spoolPath = spoolPath
        let result = state.withLock { state -> (left: Int, dropped: Int, error: String?) in
            var older = AlertLines()
            if !pendingFromSpool { older.append(contentsOf: pending) }
            while let lines = state.takeFromMemory(limit: AlertBatchLimit(alerts: .max, bytes: .max)) {
                older.append(contentsOf: lines)
            }
            state.inFlightFromMemory = (0, 0)
            let inSpool = (state.spool?.unreadAlerts ?? 0) + (state.spool?.takenAlerts ?? 0)
            guard !older.isEmpty else {
                state.counts.leftInSpool = UInt64(inSpool)
                return (inSpool, 0, nil)
            }
            guard let spoolPath else {
                state.counts.dropped += UInt64(older.count)
                return (inSpool, older.count, "no state directory to keep a spool in")
            }
            switch state.rewriteSpool(path: spoolPath, prepending: older) {
            case .success:
                state.counts.spooled += UInt64(older.count)
                state.counts.leftInSpool = UInt64(inSpool + older.count)
                return (inSpool + older.count, 0, nil)
            case .failure(let error):
                state.counts.dropped += UInt64(older.count)
                state.counts.leftInSpool = UInt64(inSpool)
                return (inSpool, older.count, "\(error)")
            }
        }
        if let error = result.error {
            logger.error("\(result.dropped) undelivered alerts dropped at finish: \(error)")
        }
        if result.left > 0 {
            logger.warning("receiver still failing at finish: \(result.left) alerts left in \(spoolPath ?? "the spool") for the next run")
        }
    }

    /// Rewrites the spool without its delivered records once they take a quarter of its limit, so a
    /// receiver that keeps up only just does not fill the spool with what it already took. The copy
    /// is made outside the lock; only records appended meanwhile are copied under it.
    private func compactSpoolIfWorthIt() {
        let threshold = max(options.spoolLimit / 4, 64 << 10)
        guard
            let (fd, from, end) = state.withLock({ state -> (Int32, Int, Int)? in
                guard let spool = state.spool, spool.start - SpoolFile.headerSize >= threshold else { return nil }
                return (spool.fd, spool.start, spool.end)
            })
        else { return }
        guard let path = spoolPath else { return }
        let temporary = path + ".compacting"
        let copy = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard copy >= 0 else {
            logger.warning("spool \(path): cannot compact: \(Posix.describe(errno))")
            return
        }
        var failed: Int32 = SpoolFile.header(start: SpoolFile.headerSize).withUnsafeBytes { Posix.pwriteAll(copy, $0, at: 0) }
        if failed == 0 { failed = Self.copyRange(from: fd, from..<end, to: copy, at: SpoolFile.headerSize) }
        if failed == 0 {
            failed = state.withLock { state -> Int32 in
                guard var spool = state.spool else { return ENOENT }
                let more = Self.copyRange(from: spool.fd, end..<spool.end, to: copy, at: SpoolFile.headerSize + end - from)
                guard more == 0 else { return more }
                guard rename(temporary, path) == 0 else { return errno }
                close(spool.fd)
                let shift = from - SpoolFile.headerSize
                spool.fd = copy
                spool.start -= shift
                spool.readEnd -= shift
                spool.end -= shift
                state.spool = spool
                state.wakeAccept(room)
                return 0
            }
        }
        if failed != 0 {
            close(copy)
            unlink(temporary)
            logger.warning("spool \(path): cannot compact: \(Posix.describe(failed))")
        } else {
            logger.debug("spool \(path): compacted, \(from - SpoolFile.headerSize) bytes of delivered alerts removed")
        }
    }

    static func copyRange(from source: Int32, _ range: Range<Int>, to target: Int32, at offset: Int) -> Int32 {
        var position = range.lowerBound
        while position < range.upperBound {
            guard let piece = Posix.preadAll(source, count: min(range.upperBound - position, 1 << 20), at: position), !piece.isEmpty else {
                return errno == 0 ? EIO : errno
            }
            let code = piece.withUnsafeBytes { Posix.pwriteAll(target, $0, at: offset + position - range.lowerBound) }
            guard code == 0 else { return code }
            position += piece.count
        }
        return 0
    }

    private func logDrop(_ report: DropReport) {
        logger.error("\(report.count) alerts dropped: \(report.reason)")
    }

    static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return .nanoseconds(Int(min(max(0, nanoseconds), 1e15)))
    }

    static func rounded(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds < 10_000 ? "\(milliseconds) ms" : "\(milliseconds / 1000) s"
    }
}

/// Dropped alerts waiting to be logged.
struct DropReport {
    var count: UInt64
    var reason: String
}

/// A value only one thread uses at a time: the output's transport, created by the caller and used
/// from then on by the output's thread only.
final class ThreadOwned<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}

/// What ``QueuedOutput`` keeps under its lock.
private struct State {
    /// The memory queue: runs of alerts, oldest first; chunks before ``memoryHead`` are taken.
    var memory: [AlertLines] = []
    var memoryHead = 0
    /// Alerts of `memory[memoryHead]` already taken.
    var memoryHeadTaken = 0
    var memoryAlerts = 0
    var memoryBytes = 0
    /// The batch the thread holds, when taken from memory (alerts, bytes), for ``QueuedOutput/health``.
    var inFlightFromMemory = (alerts: 0, bytes: 0)

    var spool: SpoolFile?

    var counts = AlertOutputCounts()
    var failure: String?
    var failingSince: ContinuousClock.Instant?
    var overflowingSince: ContinuousClock.Instant?
    /// An ``QueuedOutput/accept(_:)`` has been waiting for room since then (``QueuedOutput/Options/waitsWhenFull``).
    var stallingSince: ContinuousClock.Instant?
    /// An ``QueuedOutput/accept(_:)`` waits for room: the thread wakes it when it takes alerts out.
    var acceptWaiting = false
    var lastProblem: String?
    /// The reader went away: everything is dropped from now on.
    var closed = false
    var finishDeadline: ContinuousClock.Instant?
    /// The thread has exited.
    var stopped = false
    /// The thread waits for alerts: the next ``QueuedOutput/accept(_:)`` wakes it.
    var threadWaiting = false
    var dropLog = DropLog()
    var dropLogInterval = Duration.seconds(10)

    struct DropLog {
        var lastLogged: ContinuousClock.Instant?
        var unlogged: UInt64 = 0
        var reason = ""
    }

    /// Wakes an ``QueuedOutput/accept(_:)`` waiting for room, if one is.
    mutating func wakeAccept(_ room: DispatchSemaphore) {
        guard acceptWaiting else { return }
        acceptWaiting = false
        room.signal()
    }

    mutating func appendToMemory(_ lines: AlertLines) {
        memory.append(lines)
        memoryAlerts += lines.count
        memoryBytes += lines.bytes.count
    }

    /// Takes the oldest alerts from memory, as many as fit `limit` (at least one); nil when empty.
    mutating func takeFromMemory(limit: AlertBatchLimit) -> AlertLines? {
        guard memoryHead < memory.count else { return nil }
        var batch = AlertLines()
        while memoryHead < memory.count {
            let chunk = memory[memoryHead]
            if memoryHeadTaken == 0, batch.isEmpty, chunk.count <= limit.alerts, chunk.bytes.count <= limit.bytes {
                batch = chunk  // a whole run fits: no copy
                memoryHeadTaken = chunk.count
            } else {
                while memoryHeadTaken < chunk.count {
                    let size = chunk.range(of: memoryHeadTaken).count
                    if !batch.isEmpty, batch.count >= limit.alerts || batch.bytes.count + size > limit.bytes { break }
                    batch.append(chunk, at: memoryHeadTaken)
                    memoryHeadTaken += 1
                }
            }
            guard memoryHeadTaken == chunk.count else { break }
            memory[memoryHead] = AlertLines()
            memoryHead += 1
            memoryHeadTaken = 0
            if batch.count >= limit.alerts || batch.bytes.count >= limit.bytes { break }
        }
        if memoryHead == memory.count {
            memory.removeAll(keepingCapacity: true)
            memoryHead = 0
        } else if memoryHead >= 1024, memoryHead * 2 >= memory.count {
            memory.removeFirst(memoryHead)
            memoryHead = 0
        }
        memoryAlerts -= batch.count
        memoryBytes -= batch.bytes.count
        inFlightFromMemory = (batch.count, batch.bytes.count)
        return batch
    }

    /// Writes alerts `from...` of `lines` to the spool (opening it the first time), as many as its
    /// limit allows; the rest are dropped, unless `dropping` is false (the caller waits for room).
    /// Returns a report to log (at most one per `interval`) and the index of the first alert not spooled.
    mutating func spoolOrDrop(_ lines: AlertLines, from first: Int, path: String?, limit: Int, dropping: Bool = true) -> (
        DropReport?, Int
    ) {
        func dropRest(_ reason: String) -> (DropReport?, Int) {
            dropping ? (drop(lines.count - first, reason: reason), lines.count) : (nil, first)
        }
        guard let path else {
            return dropRest("the memory queue is full and the output has no spool")
        }
        if spool == nil {
            let directory = String(path[..<path.lastIndex(of: "/")!])
            let code = Posix.makeDirectories(directory)
            if code != 0 {
                return dropRest("the memory queue is full and \(directory) cannot be created: \(Posix.describe(code))")
            }
            switch SpoolFile.openOrCreate(path: path) {
            case .success(let opened): spool = opened.spool
            case .failure(let error): return dropRest("the memory queue is full and \(error)")
            }
        }
        var fits = first
        var size = spool!.end
        while fits < lines.count, size + SpoolFile.recordSize(lines, fits) <= limit {
            size += SpoolFile.recordSize(lines, fits)
            fits += 1
        }
        if fits > first {
            let code = spool!.append(lines, first..<fits)
            if code != 0 {
                return dropRest("the memory queue is full and spool \(path): write failed: \(Posix.describe(code))")
            }
            counts.spooled += UInt64(fits - first)
            overflowingSince = nil
        }
        if fits < lines.count && dropping {
            return (
                drop(lines.count - fits, reason: "the memory queue and spool \(path) are full (spool limit \(limit) bytes)"), lines.count
            )
        }
        return (nil, fits)
    }

    /// Counts `count` alerts dropped; a report to log when the last one is `interval` old.
    mutating func drop(_ count: Int, reason: String) -> DropReport? {
        counts.dropped += UInt64(count)
        if overflowingSince == nil { overflowingSince = .now }
        dropLog.unlogged += UInt64(count)
        dropLog.reason = reason
        let now = ContinuousClock.now
        if let last = dropLog.lastLogged, now - last < dropLogInterval { return nil }
        dropLog.lastLogged = now
        defer { dropLog.unlogged = 0 }
        return DropReport(count: dropLog.unlogged, reason: reason)
    }

    /// Replaces the spool by one holding, in order: the records the thread took from it and has not
    /// delivered (the oldest), then `older` (memory and a batch in flight from memory), then the unread
    /// records (which came after everything in memory).
    mutating func rewriteSpool(path: String, prepending older: AlertLines) -> Result<Void, SpoolError> {
        let directory = String(path[..<path.lastIndex(of: "/")!])
        let code = Posix.makeDirectories(directory)
        guard code == 0 else { return .failure(SpoolError(path: directory, operation: "mkdir", code: code)) }
        let temporary = path + ".writing"
        let fd = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure(SpoolError(path: temporary, operation: "open", code: errno)) }
        let header = SpoolFile.header(start: SpoolFile.headerSize)
        var failed = header.withUnsafeBytes { Posix.pwriteAll(fd, $0, at: 0) }
        var end = header.count
        var alerts = older.count
        if failed == 0, let old = spool {
            failed = QueuedOutput.copyRange(from: old.fd, old.start..<old.readEnd, to: fd, at: end)
            end += old.readEnd - old.start
            alerts += old.takenAlerts
        }
        if failed == 0 {
            var buffer: [UInt8] = []
            for index in 0..<older.count { SpoolFile.appendRecord(older, index, to: &buffer) }
            failed = buffer.withUnsafeBytes { Posix.pwriteAll(fd, $0, at: end) }
            end += buffer.count
        }
        if failed == 0, let old = spool {
            failed = QueuedOutput.copyRange(from: old.fd, old.readEnd..<old.end, to: fd, at: end)
            end += old.end - old.readEnd
            alerts += old.unreadAlerts
        }
        guard failed == 0, rename(temporary, path) == 0 else {
            let error = SpoolError(path: path, operation: "write", code: failed != 0 ? failed : errno)
            close(fd)
            unlink(temporary)
            return .failure(error)
        }
        if let old = spool { close(old.fd) }
        spool = SpoolFile(path: path, fd: fd, start: SpoolFile.headerSize, readEnd: SpoolFile.headerSize, end: end, unreadAlerts: alerts)
        return .success(())
    }
}
