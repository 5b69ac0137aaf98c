import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin POSIX wrappers that turn failures into ``ArchiveError/io(path:operation:code:)``.
enum FileIO {
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(ArchiveError) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: path, operation: "open", code: errno) }
        return fd
    }

    static func size(_ fd: Int32, path: String) throws(ArchiveError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", code: errno) }
        return Int(info.st_size)
    }

    static func closeFile(_ fd: Int32) { close(fd) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `count` bytes at `offset`, fewer only at the end of the file.
    static func read(_ fd: Int32, path: String, offset: Int, count: Int) throws(ArchiveError) -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < count { buffer.removeLast(count - done) }
        return buffer
    }

    /// The whole file.
    static func readFile(_ path: String) throws(ArchiveError) -> [UInt8] {
        let fd = try openFile(path, O_RDONLY)
        defer { close(fd) }
        return try read(fd, path: path, offset: 0, count: try size(fd, path: path))
    }

    /// Writes all of `bytes` at `offset`; on failure returns the errno (the caller decides to retry).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], offset: Int) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }

    /// Makes `path` and any parents it lacks (`mkdir -p`: `--archive /var/lib/vigil/archive` on a
    /// fresh machine).
    static func makeDirectory(_ path: String) throws(ArchiveError) {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT, let slash = path.dropLast().lastIndex(of: "/"), slash != path.startIndex else {
            throw .io(path: path, operation: "mkdir", code: errno)
        }
        try makeDirectory(String(path[..<slash]))
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .io(path: path, operation: "mkdir", code: errno) }
    }

    /// Makes a directory entry change (a new file, a rename, an unlink) durable.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// File names in a directory (nil when it cannot be listed).
    static func list(_ path: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: path)
    }

    /// Writes a whole file through a temporary name and a rename, so that readers see the old file or
    /// the new one, never a half-written one.
    static func replaceFile(_ path: String, with bytes: [UInt8], sync: Bool) throws(ArchiveError) {
        let temporary = path + ".tmp"
        let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        if let code = writeAll(fd, bytes, offset: 0) {
            close(fd)
            throw .io(path: temporary, operation: "write", code: code)
        }
        if sync { fsync(fd) }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .io(path: path, operation: "rename", code: errno) }
    }
}

/// The wall clock.
func archiveNow() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
