import VigilAlert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends alert lines to a file (`--alerts FILE`), optionally rotating it by size.
///
/// The file is opened `O_APPEND | O_CREAT`: a new run adds to the alerts of earlier runs, never
/// truncates them. With a ``Rotation``, when the next alert would take the file past
/// ``Rotation/maxSize`` the file is renamed `FILE.1` (`FILE.1` to `FILE.2` and so on, the oldest beyond
/// ``Rotation/keep`` deleted) and a new `FILE` opened. Rotation happens only between alerts: a line is
/// never split, and an alert larger than `maxSize` gets a file of its own.
///
/// A write that fails (`ENOSPC`, `EIO`) cuts the file back to its last whole line and reports a
/// failure naming the path and the error: the output sets ``AlertOutput/failure`` so the run can end,
/// keeps the alerts and tries again meanwhile.
public final class FileTransport: AlertTransport {
    /// Size-based rotation.
    public struct Rotation: Sendable, Hashable {
        /// The size in bytes a file may reach before the next alert goes to a new one.
        public var maxSize: Int
        /// How many rotated files (`FILE.1` … `FILE.keep`) are kept; 0 keeps none.
        public var keep: Int

        public init(maxSize: Int, keep: Int = 5) {
            self.maxSize = max(1, maxSize)
            self.keep = max(0, keep)
        }
    }

    public let path: String
    public let rotation: Rotation?
    public let batchLimit = AlertBatchLimit(alerts: 4096, bytes: 1 << 20)

    /// The open file; -1 after a rotation could not open the new one (opened again at the next send).
    private var fd: Int32

    /// Opens `path` for appending (creating it, mode 0644, if missing).
    ///
    /// - Returns: The transport, or a message naming the path and the error (`alerts file
    ///   /var/log/x.jsonl: cannot open: Permission denied`).
    public static func open(path: String, rotation: Rotation? = nil) -> Result<FileTransport, AlertOutputSpecError> {
        let fd = openForAppend(path)
        guard fd >= 0 else { return .failure(AlertOutputSpecError("alerts file \(path): cannot open: \(Posix.describe(errno))")) }
        return .success(FileTransport(path: path, rotation: rotation, fd: fd))
    }

    private init(path: String, rotation: Rotation?, fd: Int32) {
        self.path = path
        self.rotation = rotation
        self.fd = fd
    }

    private static func openForAppend(_ path: String) -> Int32 {
        openFile(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }

    public func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        if fd < 0 {
            fd = Self.openForAppend(path)
            guard fd >= 0 else {
                return AlertTransportOutcome(done: 0, problem: .failed("alerts file \(path): cannot open: \(Posix.describe(errno))"))
            }
        }
        // The size from the file, not a count of our own: another writer may append too.
        var size = Posix.fileSize(fd) ?? 0
        var done = 0
        var first = 0
        var index = 0
        while index < alerts.count {
            let length = alerts.range(of: index).count
            let pending = alerts.range(of: index).lowerBound - alerts.range(of: first).lowerBound
            if let rotation, size + pending > 0, size + pending + length > rotation.maxSize {
                if index > first {
                    if let problem = write(alerts, first..<index, size: &size, done: &done) {
                        return AlertTransportOutcome(done: done, problem: problem)
                    }
                }
                if let problem = rotate(keep: rotation.keep) { return AlertTransportOutcome(done: done, problem: problem) }
                size = 0
                first = index
            }
            index += 1
        }
        if first < alerts.count, let problem = write(alerts, first..<alerts.count, size: &size, done: &done) {
            return AlertTransportOutcome(done: done, problem: problem)
        }
        return .delivered(alerts.count)
    }

    /// Writes alerts `indices` in as few `write(2)` calls as the kernel allows. On failure the file is
    /// cut back to the end of the last whole line.
    private func write(_ alerts: AlertLines, _ indices: Range<Int>, size: inout Int, done: inout Int) -> AlertTransportProblem? {
        let range = alerts.range(of: indices.lowerBound).lowerBound..<alerts.range(of: indices.upperBound - 1).upperBound
        var written = 0
        var failure: Int32 = 0
        alerts.bytes.withUnsafeBytes { raw in
            while written < range.count {
                let n = writeBytes(fd, raw.baseAddress! + range.lowerBound + written, range.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 {
                    failure = EIO
                    return
                }
                written += n
            }
        }
        var whole = indices.lowerBound
        while whole < indices.upperBound, alerts.ends[whole] - range.lowerBound <= written { whole += 1 }
        let wholeBytes = whole == indices.lowerBound ? 0 : alerts.ends[whole - 1] - range.lowerBound
        done = whole
        if failure == 0 {
            size += written
            return nil
        }
        if written > wholeBytes { _ = ftruncate(fd, off_t(size + wholeBytes)) }
        size += wholeBytes
        return .failed("alerts file \(path): write failed: \(Posix.describe(failure))")
    }

    /// FILE → FILE.1 → … → FILE.keep (the oldest deleted), then a new FILE.
    private func rotate(keep: Int) -> AlertTransportProblem? {
        if keep == 0 {
            if unlink(path) != 0 && errno != ENOENT {
                return .failed("alerts file \(path): rotation failed: cannot delete it: \(Posix.describe(errno))")
            }
        } else {
            unlink("\(path).\(keep)")
            for number in stride(from: keep - 1, through: 1, by: -1) {
                if rename("\(path).\(number)", "\(path).\(number + 1)") != 0 && errno != ENOENT {
                    return .failed("alerts file \(path): rotation failed: cannot rename \(path).\(number): \(Posix.describe(errno))")
                }
            }
            if rename(path, "\(path).1") != 0 && errno != ENOENT {
                return .failed("alerts file \(path): rotation failed: cannot rename it to \(path).1: \(Posix.describe(errno))")
            }
        }
        closeDescriptor(fd)
        fd = Self.openForAppend(path)
        guard fd >= 0 else { return .failed("alerts file \(path): cannot open after rotation: \(Posix.describe(errno))") }
        return nil
    }

    public func close() {
        if fd >= 0 { closeDescriptor(fd) }
        fd = -1
    }
}
