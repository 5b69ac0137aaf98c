import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which file a position belongs to: device and inode, and a fingerprint of its first bytes (an inode
/// number freed by a deleted log is soon given to a new one; the fingerprint tells them apart).
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    /// FNV-1a of the first ``headLength`` bytes (fewer when the file was shorter when first read).
    public var head: UInt64
    public var headLength: Int

    public init(device: UInt64, inode: UInt64, head: UInt64 = 0, headLength: Int = 0) {
        self.device = device
        self.inode = inode
        self.head = head
        self.headLength = headLength
    }

    /// Bytes fingerprinted: enough to hold a syslog header with its time and host.
    public static let headLength = 64

}

/// Where a followed file was read up to: the file and the offset of the first byte not yet handed on
/// as part of a complete line.
public struct FilePosition: Sendable, Hashable {
    public var file: FileIdentity
    public var offset: UInt64

    public init(file: FileIdentity, offset: UInt64) {
        self.file = file
        self.offset = offset
    }
}

/// A file read as it grows (`vigil run --follow`), across rotation: by rename (the path names a new
/// file: the old one is read to its end first, then the new one from its start) and by copy-truncate
/// (the file shrinks below what was read: read again from its start).
///
/// At the end of the data it waits, checking the path every ``pollInterval`` and a stop request in
/// between, so ``read(into:)`` returns 0 only when a stop was requested. Polling, not inotify: it works
/// on every file system (NFS, bind mounts, containers) and costs one `fstat` and one `stat` per
/// interval.
///
/// `@unchecked Sendable`: opened on the thread that starts the run (so a missing file fails before
/// anything runs), then handed to its reader thread, the only one that uses it afterwards.
public final class FollowedFile: ByteSource, @unchecked Sendable {
    public let name: String
    public let path: String
    /// How often the path is checked when there is nothing new to read.
    public var pollInterval: Duration = .milliseconds(200)
    private let stop: StopToken?
    private var fd: Int32 = -1
    private var identity = FileIdentity(device: 0, inode: 0)
    private var offset: UInt64 = 0
    /// Reading a rotated file (found at start by its identity) to its end before the path's file.
    private var drainingRotated = false
    private var atEndOfData = false

    /// Files switched to after a rename, and rereads after a truncation.
    public private(set) var rotations: UInt64 = 0
    public private(set) var truncations: UInt64 = 0
    /// What happened to the saved position at start, for the log.
    public private(set) var resumeNote: String? = nil

    /// Opens `path` (which must exist and be a regular file), resuming at `resume` when that is the same
    /// file, or the rotated file holding it when one with its identity is found next to `path` (a
    /// rotation while vigil was stopped: the lines written after the position are read from there).
    public init(path: String, resume: FilePosition? = nil, stop: StopToken? = nil) throws(IngestError) {
        self.path = path
        self.name = path
        self.stop = stop
        let current = try Self.openFile(path)
        guard let resume else {
            adopt(current, at: 0)
            return
        }
        let sameFile = Self.holds(current, resume.file)
        if sameFile && Self.size(of: current) >= resume.offset {
            adopt(current, at: resume.offset)
            resumeNote = "resumed at byte \(resume.offset)"
        } else if let rotated = Self.findRotated(resume.file, near: path), Self.size(of: rotated) >= resume.offset {
            Syscall.close(current)
            adopt(rotated, at: resume.offset)
            drainingRotated = true
            resumeNote = "rotated while stopped: reading the rest of the old file from byte \(resume.offset) first"
        } else {
            adopt(current, at: 0)
            resumeNote =
                sameFile
                ? "truncated while stopped: reading from the start"
                : "replaced while stopped and the old file not found: reading from the start"
        }
    }

    deinit { close() }

    /// The position after the last byte read, in the file it was read from.
    public var position: FilePosition { FilePosition(file: identity, offset: offset) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while fd >= 0 {
            let n = Syscall.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                if identity.headLength < FileIdentity.headLength { Self.fingerprint(fd, into: &identity) }
                offset += UInt64(n)
                atEndOfData = false
                return n
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(input: name, errno: errno)
            }
            // At the end of what is there: a rotation, a truncation, or wait for more.
            if switchIfRotated() { continue }
            if Self.size(of: fd) < offset || (identity.headLength > 0 && !Self.holds(fd, identity)) {
                // Copy-truncate: the file was emptied under us (and perhaps written again past where we
                // were: its first bytes changed); what is in it now is new.
                _ = lseek(fd, 0, SEEK_SET)
                offset = 0
                identity.head = 0
                identity.headLength = 0
                truncations += 1
                continue
            }
            atEndOfData = true
            if stop?.isStopRequested == true { return 0 }
            var remaining = pollInterval
            while remaining > .zero {
                let slice = min(remaining, .milliseconds(50))
                usleep(UInt32(slice.components.attoseconds / 1_000_000_000_000))
                remaining -= slice
                if stop?.isStopRequested == true { return 0 }
            }
        }
        return 0
    }

    /// Whether a read returns data at once: when the file holds bytes past what was read.
    public func hasInputReady() -> Bool {
        !atEndOfData && fd >= 0 && Self.size(of: fd) > offset
    }

    public func close() {
        if fd >= 0 { Syscall.close(fd) }
        fd = -1
    }

    /// At the end of the current file: when the path now names another file (renamed away, then created
    /// again), or a rotated file was being drained, continue with the path's file from its start. While
    /// the path is missing (between the rename and the creation) keep the old file: its writer may still
    /// append.
    private func switchIfRotated() -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        let pathIdentity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard drainingRotated || pathIdentity.device != identity.device || pathIdentity.inode != identity.inode else {
            return false
        }
        guard let next = try? Self.openFile(path) else { return false }
        Syscall.close(fd)
        adopt(next, at: 0)
        drainingRotated = false
        rotations += 1
        return true
    }

    private func adopt(_ descriptor: Int32, at start: UInt64) {
        fd = descriptor
        identity = Self.identity(of: descriptor)
        Self.fingerprint(descriptor, into: &identity)
        offset = start
        if start > 0 { _ = lseek(descriptor, off_t(start), SEEK_SET) }
    }

    private static func openFile(_ path: String) throws(IngestError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        return fd
    }

    private static func identity(of fd: Int32) -> FileIdentity {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return FileIdentity(device: 0, inode: 0) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    private static func size(of fd: Int32) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return 0 }
        return UInt64(max(0, info.st_size))
    }

    /// Fingerprints the file's first bytes (with `pread`, leaving the read offset alone).
    private static func fingerprint(_ fd: Int32, into identity: inout FileIdentity) {
        let (hash, count) = headHash(fd, length: FileIdentity.headLength)
        guard count > 0 else { return }
        identity.head = hash
        identity.headLength = count
    }

    private static func headHash(_ fd: Int32, length: Int) -> (hash: UInt64, count: Int) {
        var head = [UInt8](repeating: 0, count: length)
        let count = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? (FNV1a.hash(head[..<count]), count) : (0, 0)
    }

    /// Whether the open file `fd` is `file`: the same device and inode, and the same first bytes as far
    /// as the fingerprint went.
    private static func holds(_ fd: Int32, _ file: FileIdentity) -> Bool {
        let current = identity(of: fd)
        guard current.device == file.device && current.inode == file.inode else { return false }
        guard file.headLength > 0 else { return true }
        let (hash, count) = headHash(fd, length: file.headLength)
        return count == file.headLength && hash == file.head
    }

    /// A file in `path`'s directory with the identity `file` (logrotate's `auth.log.1`, or any name).
    private static func findRotated(_ file: FileIdentity, near path: String) -> Int32? {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return nil }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != "." && name != ".." else { continue }
            let candidate = directory + "/" + name
            var info = stat()
            guard stat(candidate, &info) == 0, UInt64(info.st_ino) == file.inode, UInt64(info.st_dev) == file.device,
                let fd = try? openFile(candidate)
            else { continue }
            if holds(fd, file) { return fd }
            Syscall.close(fd)
        }
        return nil
    }
}
