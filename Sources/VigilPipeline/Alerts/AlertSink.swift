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
public final class AlertSink: Sendable {
    /// What was written, for the run summary.
    public struct Counts: Sendable, Hashable {
        public var detectionAlerts: UInt64 = 0
        public var correlationAlerts: UInt64 = 0
        /// Correlation alerts per rule (its `name`, else its `id`).
        public var correlationAlertsByRule: [String: UInt64] = [:]
        /// Alerts not written because the reader went away.
        public var dropped: UInt64 = 0

        public init() {}
    }

    private struct State {
        var counts = Counts()
        var closed = false
        var failure: Int32? = nil
        var buffer: [UInt8] = []
    }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let onClosed: @Sendable () -> Void
    private let state = Mutex(State())

    /// Writes to `fd`; closes it at ``close()`` when `ownsDescriptor`. `onClosed` runs once when the
    /// reader goes away (`EPIPE`).
    public init(fd: Int32, ownsDescriptor: Bool = false, onClosed: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.onClosed = onClosed
    }

    /// Opens (creates or truncates) a file for alerts.
    public static func file(path: String, onClosed: @escaping @Sendable () -> Void = {}) throws(RunError) -> AlertSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .alertsFileFailed(path: path, errno: errno) }
        return AlertSink(fd: fd, ownsDescriptor: true, onClosed: onClosed)
    }

    /// Writes detection alert lines already rendered (`lines` of them).
    public func writeRendered(_ bytes: [UInt8], lines: Int) throws(RunError) {
        guard !bytes.isEmpty else { return }
        try state.withLock { state throws(RunError) in
            state.counts.detectionAlerts += UInt64(lines)
            try emit(bytes, lines: lines, state: &state)
        }
    }

    /// Writes correlation alerts, one JSON line each.
    public func send(_ alerts: [Alert]) throws(RunError) {
        guard !alerts.isEmpty else { return }
        try state.withLock { state throws(RunError) in
            state.buffer.removeAll(keepingCapacity: true)
            for alert in alerts {
                alert.appendJSON(to: &state.buffer)
                state.buffer.append(0x0A)
                state.counts.correlationAlertsByRule[alert.rule.name ?? alert.rule.id, default: 0] += 1
            }
            state.counts.correlationAlerts += UInt64(alerts.count)
            let bytes = state.buffer
            try emit(bytes, lines: alerts.count, state: &state)
        }
    }

    /// What was written so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// The `errno` of a failed write other than `EPIPE`, if any (correlation threads cannot throw).
    public var failure: Int32? { state.withLock { $0.failure } }

    /// Closes the file when the sink owns it.
    public func finish() {
        if ownsDescriptor { _ = close(fd) }
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
        state.failure = code
        throw .outputFailed(errno: code)
    }
}
