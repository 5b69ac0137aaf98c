#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--stats-json` file, opened when the run starts so that a path vigil cannot write fails before
/// any input is read, and written once at the end (emptied first: it is opened without truncating, so
/// that nothing is lost if the run never gets that far).
final class StatsFile {
    let path: String
    private var fd: Int32

    /// Opens (creating) `path` for writing.
    init(path: String) throws(RunError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .statsFileFailed(path: path, errno: errno) }
    }

    deinit { closeFile() }

    /// Replaces the file's content with `text` and closes it.
    func write(_ text: String) throws(RunError) {
        defer { closeFile() }
        // A FIFO or a terminal (`/dev/stderr`) cannot be truncated, and needs not be.
        if ftruncate(fd, 0) != 0 && errno != EINVAL { throw .statsFileFailed(path: path, errno: errno) }
        if let code = writeAll(fd, Array(text.utf8)) { throw .statsFileFailed(path: path, errno: code) }
    }

    private func closeFile() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }
}

/// Refuses output files that are inputs of the same run.
enum OutputCollision {
    /// Throws a usage error when `--alerts` or `--stats-json` names a regular file that is also one of
    /// the opened `inputs` (the same device and inode: the same path, a symbolic or a hard link, or
    /// stdin redirected from it; a followed file by its path). Writing into an input would feed alerts
    /// back into the run, or overwrite the log being read. Outputs that do not exist yet cannot be
    /// inputs.
    static func check(alerts: String?, stats: String?, inputs: [(fd: Int32, name: String)]) throws(RunError) {
        var files: [(device: UInt64, inode: UInt64, name: String)] = []
        for input in inputs {
            var info = stat()
            // A followed file (--follow) is opened by its reader: known by its path here (fd -1).
            let known = input.fd >= 0 ? fstat(input.fd, &info) == 0 : stat(input.name, &info) == 0
            guard known, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            files.append((UInt64(info.st_dev), UInt64(info.st_ino), input.name))
        }
        for (option, path) in [("--alerts", alerts), ("--stats-json", stats)] {
            guard let path else { continue }
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if let input = files.first(where: { $0.device == UInt64(info.st_dev) && $0.inode == UInt64(info.st_ino) }) {
                let same = input.name == path ? "" : " (as \(input.name))"
                throw .usage("\(option) \(path): the file is also an input\(same); give \(option) a file of its own")
            }
        }
    }
}

/// Standard descriptors a run may find closed (`vigil run >&-`).
enum StandardDescriptors {
    /// Puts `/dev/null` on each of descriptors 0, 1 and 2 that is closed, opened so that using it
    /// fails as the closed one would (stdin write-only, stdout and stderr read-only: `EBADF`). Without
    /// it the next file opened (an input, the `--alerts` file) would get the number, and alerts meant
    /// for standard output would be written into it.
    static func reserve() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
            if null >= 0 && null != fd {
                _ = dup2(null, fd)
                _ = close(null)
            }
        }
    }
}
