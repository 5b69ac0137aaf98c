import VigilAlert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes alert lines to a file descriptor: standard output, or any descriptor the caller opened.
///
/// `write(2)` in a loop, again after `EINTR`. When the reader goes away (`EPIPE`) the output is closed
/// for good: ``onClosed`` runs once and every alert from then on is counted as dropped; that is a reader
/// leaving, not a receiver being down, so nothing is retried.
///
/// A pipe, socket or terminal is written only when `poll(2)` says it has room, whole lines of at most
/// `PIPE_BUF` bytes at a time (a socket with `MSG_DONTWAIT`), so a reader that stops reading never holds the
/// output's thread past ``stallTimeout``: the output then reports the receiver failing and tries again,
/// and a finishing output can keep what is left in its spool. Regular files are written in one go.
public final class FileDescriptorTransport: AlertTransport {
    public let batchLimit = AlertBatchLimit(alerts: 4096, bytes: 1 << 20)
    /// How long a reader may leave a pipe or socket full before the attempt gives up.
    public let stallTimeout: Duration

    private let fd: Int32
    private let label: String
    private let ownsDescriptor: Bool
    private let onClosed: @Sendable () -> Void
    private let kind: Kind
    /// Bytes of the first alert of the next batch already written (a socket took part of a line
    /// before stalling): the rest is written first, so a line is never written twice or split.
    private var carry = 0
    private var isClosed = false

    private enum Kind { case regular, socket, other }

    /// - Parameters:
    ///   - fd: Written from the output's thread; closed at the end when `ownsDescriptor`.
    ///   - label: Names the descriptor in messages (`standard output`).
    ///   - onClosed: Runs once, on the output's thread, when the reader goes away (`EPIPE`).
    public init(
        fd: Int32, label: String = "standard output", ownsDescriptor: Bool = false, stallTimeout: Duration = .seconds(5),
        onClosed: @escaping @Sendable () -> Void = {}
    ) {
        self.fd = fd
        self.label = label
        self.ownsDescriptor = ownsDescriptor
        self.stallTimeout = stallTimeout
        self.onClosed = onClosed
        var info = stat()
        if fstat(fd, &info) != 0 {
            kind = .other
        } else {
            switch info.st_mode & S_IFMT {
            case S_IFREG: kind = .regular
            case S_IFSOCK: kind = .socket
            default: kind = .other
            }
        }
    }

    public func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        guard !isClosed else { return AlertTransportOutcome(done: 0, problem: .closed("\(label) is closed")) }
        let stallDeadline = min(deadline, .now + stallTimeout)
        var written = carry
        let total = alerts.bytes.count
        var problem: AlertTransportProblem?
        alerts.bytes.withUnsafeBytes { raw in
            while written < total {
                if kind != .regular, !waitForRoom(until: stallDeadline) {
                    problem = .receiverDown("\(label): the reader has not read for \(stallTimeout)")
                    return
                }
                let chunk = kind == .regular ? total - written : pipeChunk(alerts, from: written)
                let n =
                    kind == .socket
                    ? sendBytes(fd, raw.baseAddress! + written, chunk, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                    : write(fd, raw.baseAddress! + written, chunk)
                if n >= 0 {
                    written += n
                    continue
                }
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK: continue
                case EPIPE, ECONNRESET:
                    problem = .closed("\(label): the reader went away (\(Posix.describe(errno)))")
                    return
                default:
                    problem = .failed("\(label): write failed: \(Posix.describe(errno))")
                    return
                }
            }
        }
        // Alerts whose whole line is out; the part of the next one written is carried over.
        var done = 0
        while done < alerts.count, alerts.ends[done] <= written { done += 1 }
        carry = written - (done == 0 ? 0 : alerts.ends[done - 1])
        if case .closed = problem {
            isClosed = true
            onClosed()
        }
        return AlertTransportOutcome(done: done, problem: problem)
    }

    public func close() {
        if ownsDescriptor { closeDescriptor(fd) }
    }

    /// How much to write to a pipe or terminal that `poll` says has room: whole lines up to `PIPE_BUF`
    /// (4096) bytes, which a pipe with room takes whole, so a reader that stalls leaves no half line
    /// behind. A line longer than that goes out in pieces.
    private func pipeChunk(_ alerts: AlertLines, from written: Int) -> Int {
        let limit = written + 4096
        var end = written
        var index = alerts.ends.partitioningIndex(where: { $0 > written })
        while index < alerts.count, alerts.ends[index] <= limit {
            end = alerts.ends[index]
            index += 1
        }
        return end > written ? end - written : min(alerts.bytes.count - written, 4096)
    }

    /// Waits until the descriptor can take a write; false when `deadline` passes first.
    private func waitForRoom(until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            if left <= .zero { return false }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 1000))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }  // writable, or an error the write will report (EPIPE)
            if ready < 0 && errno != EINTR { return true }
        }
    }
}

extension Array where Element == Int {
    /// The first index whose element satisfies `belongs`, for a sorted array where it holds from some
    /// index on (binary search).
    fileprivate func partitioningIndex(where belongs: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
