import VigilCorrelate

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The correlation state a run stopped by a signal leaves in `<state-dir>/correlation-state`, for the
/// next start (docs/correlation.md, "Restarts"; the format is ``CorrelationSnapshot``'s).
///
/// Written to a temporary file, flushed to disk and renamed over the old one, so a crash leaves one or
/// the other, never half of one. Read once: a start that read the file removes it (a state is never
/// restored twice); one it could not use is set aside as `correlation-state.unreadable`.
public struct CorrelationStateStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var path: String { directory + "/" + CorrelationSnapshot.fileName }
    /// Where a file that could not be read is kept for a look.
    public var unreadablePath: String { path + ".unreadable" }

    /// What the state directory held.
    public enum Saved {
        /// No state file.
        case none
        case state([UInt8])
        /// A file that cannot be read (why).
        case unreadable(String)
    }

    /// Reads the saved state, refusing a file larger than `maxBytes` (a state file is input too).
    public func load(maxBytes: Int) -> Saved {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return errno == ENOENT ? .none : .unreadable(String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .unreadable("not a regular file") }
        guard Int(info.st_size) <= maxBytes else { return .unreadable("\(info.st_size) bytes, more than the \(maxBytes) a state may take") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return .unreadable(String(cString: strerror(errno))) }
            if count == 0 { break }
            filled += count
        }
        // A file that shrank while read is short: the snapshot's length check refuses it.
        return .state(Array(bytes[..<filled]))
    }

    /// Removes the state file once read (it is restored at most once).
    public func consume() {
        unlink(path)
    }

    /// Moves an unreadable state file aside, so that the next start does not try it again.
    public func setAside() {
        rename(path, unreadablePath)
    }

    /// Writes a snapshot (creating the directory when needed).
    public func save(_ snapshot: CorrelationSnapshot) throws(RunError) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw .stateDirectoryFailed(path: directory, errno: errno) }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .stateDirectoryFailed(path: temporary, errno: errno) }
        var failed = writeAll(fd, snapshot.bytes)
        if failed == nil && fsync(fd) != 0 { failed = errno }
        close(fd)
        if let failed {
            unlink(temporary)
            throw .stateDirectoryFailed(path: temporary, errno: failed)
        }
        guard rename(temporary, path) == 0 else { throw .stateDirectoryFailed(path: path, errno: errno) }
    }
}
