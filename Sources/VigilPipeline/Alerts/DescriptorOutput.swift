import Synchronization
import VigilAlert
import VigilOutput

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output or an `--alerts` file, written at once with `write(2)` (interim: the queued outputs
/// of VigilOutput replace it).
final class DescriptorOutput: AlertOutput {
    private struct State {
        var counts = AlertOutputCounts()
        var closed = false
        var failure: String?
    }

    let name: String
    let minimumTier: Int
    /// The `--alerts` file (nil: standard output).
    private let path: String?
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let onClosed: @Sendable () -> Void
    private let state = Mutex(State())

    init(
        fd: Int32, name: String, path: String? = nil, minimumTier: Int = 1, ownsDescriptor: Bool = false,
        onClosed: @escaping @Sendable () -> Void = {}
    ) {
        self.fd = fd
        self.path = path
        self.name = name
        self.minimumTier = minimumTier
        self.ownsDescriptor = ownsDescriptor
        self.onClosed = onClosed
    }

    static func file(path: String, minimumTier: Int = 1) throws(RunError) -> DescriptorOutput {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .alertsFileFailed(path: path, errno: errno) }
        return DescriptorOutput(fd: fd, name: "file \(path)", path: path, minimumTier: minimumTier, ownsDescriptor: true)
    }

    func accept(_ alerts: AlertLines) {
        state.withLock { state in
            state.counts.accepted += UInt64(alerts.count)
            guard !state.closed, state.failure == nil else {
                state.counts.dropped += UInt64(alerts.count)
                return
            }
            guard let code = writeAll(fd, alerts.bytes) else {
                state.counts.delivered += UInt64(alerts.count)
                return
            }
            state.counts.dropped += UInt64(alerts.count)
            if code == EPIPE {
                state.closed = true
                onClosed()
            } else {
                state.failure =
                    path.map { "\($0): cannot write alerts: \(String(cString: strerror(code)))" }
                    ?? "writing standard output failed: \(String(cString: strerror(code)))"
            }
        }
    }

    func finish(timeout: Duration) {
        if ownsDescriptor { _ = close(fd) }
    }

    var counts: AlertOutputCounts { state.withLock { $0.counts } }
    var failure: String? { state.withLock { $0.failure } }
}
