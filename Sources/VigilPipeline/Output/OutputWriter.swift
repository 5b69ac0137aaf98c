import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ordered stage that writes each result's ``BatchResult/output`` to a file descriptor (stdout), in
/// input order, with `write(2)`: one call per batch, megabytes at a time.
///
/// When the reader goes away (`vigil parse | head`), the write fails with `EPIPE`: the writer stops
/// writing, counts what it could not write as dropped, and calls `onClosed` once so the run can stop
/// reading input.
public struct OutputWriter: OrderedStage {
    public let name = "output"
    public private(set) var counters = StageCounters(stage: "output")
    private let fd: Int32
    private let onClosed: @Sendable () -> Void
    private var closed = false

    /// Writes to `fd` (not closed at the end). `SIGPIPE` must be ignored for `EPIPE` to be seen.
    public init(fd: Int32 = 1, onClosed: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.onClosed = onClosed
    }

    public mutating func consume(_ result: inout BatchResult) throws {
        counters.received += UInt64(result.eventCount)
        guard !result.output.isEmpty else { return }
        guard !closed else {
            counters.drop(DropReason("output_closed"), count: UInt64(result.eventCount))
            return
        }
        let failure = result.output.withUnsafeBytes { writeAll(fd, $0) }
        if let failure {
            if failure == EPIPE {
                closed = true
                counters.drop(DropReason("output_closed"), count: UInt64(result.eventCount))
                onClosed()
                return
            }
            throw RunError.outputFailed(errno: failure)
        }
        counters.emitted += UInt64(result.eventCount)
    }

    public mutating func finish() throws {}
}
