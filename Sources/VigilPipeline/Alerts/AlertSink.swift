import Synchronization
import VigilAlert
import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where alerts go: JSON lines written with `write(2)` to standard output or the `--alerts` file.
///
/// Detection alerts arrive from the alert writer stage (rendered by the workers, in input order) and
/// correlation alerts from the correlation stage, which with sharded correlation runs on its merger
/// thread: writes are serialized by a lock, each batch or correlation step in one `write(2)`.
///
/// The output order does not depend on thread timing: every piece (a batch's detection alerts, a
/// correlation step's alerts) takes a place in the order the collector reaches it — a batch's
/// detections, then the correlation step that batch triggered — and a piece that arrives early waits
/// for the ones before it. The same input therefore gives the same bytes for any number of workers.
public final class AlertSink: Sendable {
    /// What was written, for the run summary.
    public struct Counts: Sendable, Hashable {
        public var detectionAlerts: UInt64 = 0
        public var correlationAlerts: UInt64 = 0
        /// Correlation alerts per rule (its `name`, else its `id`).
        public var correlationAlertsByRule: [String: UInt64] = [:]
        /// Alerts not written because the reader went away or writing failed.
        public var dropped: UInt64 = 0

        public init() {}
    }

    private struct State {
        var counts = Counts()
        var closed = false
        var failure: RunError? = nil
        /// Places of output pieces: the next one handed out, the next one to write, and the places
        /// reserved for correlation steps still running (oldest first).
        var nextPlace: UInt64 = 0
        var nextToWrite: UInt64 = 0
        var correlationPlaces: [UInt64] = []
        var correlationPlacesHead = 0
        /// Pieces that arrived before an earlier one: place → (bytes, lines).
        var waiting: [UInt64: ([UInt8], Int)] = [:]
    }

    private let fd: Int32
    /// The `--alerts` file, named in write errors (nil: standard output).
    private let path: String?
    private let ownsDescriptor: Bool
    private let onClosed: @Sendable () -> Void
    private let state = Mutex(State())

    /// Writes to `fd`; closes it at ``finish()`` when `ownsDescriptor`. `onClosed` runs once when the
    /// reader goes away (`EPIPE`). `path` names the file in write errors (nil: standard output).
    public init(fd: Int32, path: String? = nil, ownsDescriptor: Bool = false, onClosed: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.path = path
        self.ownsDescriptor = ownsDescriptor
        self.onClosed = onClosed
    }

    /// Opens a file for alerts: created if missing, appended to if not, so that a restart never wipes
    /// the alerts of earlier runs.
    public static func file(path: String, onClosed: @escaping @Sendable () -> Void = {}) throws(RunError) -> AlertSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .alertsFileFailed(path: path, errno: errno) }
        return AlertSink(fd: fd, path: path, ownsDescriptor: true, onClosed: onClosed)
    }

    /// Writes detection alert lines already rendered (`lines` of them), after every piece placed
    /// before them. Call from the collector, in input order.
    public func writeRendered(_ bytes: [UInt8], lines: Int) throws(RunError) {
        guard !bytes.isEmpty else { return }
        try state.withLock { state throws(RunError) in
            state.counts.detectionAlerts += UInt64(lines)
            let place = state.nextPlace
            state.nextPlace += 1
            try deliver(bytes, lines: lines, at: place, state: &state)
        }
    }

    /// Reserves the place of the next correlation step's alerts. Call from the collector, in input
    /// order, before handing the step to the engine; the step's ``send(_:)`` fills it (the engine
    /// delivers steps in the order they were made).
    public func expectCorrelationStep() {
        state.withLock { state in
            state.correlationPlaces.append(state.nextPlace)
            state.nextPlace += 1
        }
    }

    /// Writes one correlation step's alerts, one JSON line each, at the oldest place reserved by
    /// ``expectCorrelationStep()`` (or after everything so far when none is). An empty step still
    /// fills its place, letting what waits behind it go.
    public func send(_ alerts: [Alert]) throws(RunError) {
        try state.withLock { state throws(RunError) in
            let place: UInt64
            if state.correlationPlacesHead < state.correlationPlaces.count {
                place = state.correlationPlaces[state.correlationPlacesHead]
                state.correlationPlacesHead += 1
                if state.correlationPlacesHead == state.correlationPlaces.count {
                    state.correlationPlaces.removeAll(keepingCapacity: true)
                    state.correlationPlacesHead = 0
                }
            } else {
                place = state.nextPlace
                state.nextPlace += 1
            }
            var bytes: [UInt8] = []
            for alert in alerts {
                alert.appendJSON(to: &bytes)
                bytes.append(0x0A)
                state.counts.correlationAlertsByRule[alert.rule.name ?? alert.rule.id, default: 0] += 1
            }
            state.counts.correlationAlerts += UInt64(alerts.count)
            try deliver(bytes, lines: alerts.count, at: place, state: &state)
        }
    }

    /// What was written so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// The error of a failed write other than `EPIPE`, if any (correlation threads cannot throw).
    public var failure: RunError? { state.withLock { $0.failure } }

    /// Writes what still waits (in place order, past any step that never came), then closes the file
    /// when the sink owns it.
    public func finish() {
        state.withLock { state in
            for place in state.waiting.keys.sorted() {
                guard let (bytes, lines) = state.waiting.removeValue(forKey: place) else { continue }
                try? emit(bytes, lines: lines, state: &state)
            }
        }
        if ownsDescriptor { _ = close(fd) }
    }

    /// Writes a piece if its place is next (then whatever waited right behind it), else keeps it.
    private func deliver(_ bytes: [UInt8], lines: Int, at place: UInt64, state: inout State) throws(RunError) {
        guard place == state.nextToWrite else {
            state.waiting[place] = (bytes, lines)
            return
        }
        var failure: RunError?
        func write(_ bytes: [UInt8], _ lines: Int) {
            do throws(RunError) { try emit(bytes, lines: lines, state: &state) } catch { failure = failure ?? error }
        }
        if !bytes.isEmpty { write(bytes, lines) }
        state.nextToWrite += 1
        while let (bytes, lines) = state.waiting.removeValue(forKey: state.nextToWrite) {
            if !bytes.isEmpty { write(bytes, lines) }
            state.nextToWrite += 1
        }
        if let failure { throw failure }
    }

    private func emit(_ bytes: [UInt8], lines: Int, state: inout State) throws(RunError) {
        guard !state.closed, state.failure == nil else {
            state.counts.dropped += UInt64(lines)
            return
        }
        guard let code = writeAll(fd, bytes) else { return }
        state.counts.dropped += UInt64(lines)
        if code == EPIPE {
            state.closed = true
            onClosed()
            return
        }
        let error: RunError = path.map { .alertsFileFailed(path: $0, errno: code) } ?? .outputFailed(errno: code)
        state.failure = error
        throw error
    }
}
