#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes from a file descriptor through `read(2)`, with a peeked prefix served first.
///
/// For pipes and terminals it waits with `poll(2)` in short slices so that a stop request ends an idle
/// stdin; regular files never wait.
public final class FileDescriptorSource: ByteSource {
    public let name: String
    private var fd: Int32
    private let ownsDescriptor: Bool
    private let isRegularFile: Bool
    private let stop: StopToken?
    private var prefix: [UInt8] = []
    private var prefixOffset = 0
    private var reachedEnd = false

    /// Wraps `fd`; closes it on ``close()`` when `ownsDescriptor`.
    public init(fd: Int32, name: String, ownsDescriptor: Bool, stop: StopToken? = nil) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        self.stop = stop
        var info = stat()
        self.isRegularFile = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Opens a file for reading.
    public convenience init(path: String, stop: StopToken? = nil) throws(IngestError) {
        self.init(fd: try Self.openDescriptor(path: path), name: path, ownsDescriptor: true, stop: stop)
    }

    /// Opens a file read-only and returns its descriptor (to open early, and read on another thread).
    /// A directory opens, but is no input: it is refused here, as a missing file is.
    public static func openDescriptor(path: String) throws(IngestError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        if isDirectory(fd) {
            Syscall.close(fd)
            throw .isDirectory(path: path)
        }
        return fd
    }

    /// Whether `fd` is a directory (a path to one, or stdin redirected from one).
    public static func isDirectory(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    deinit { close() }

    /// The first `count` bytes (fewer at end of input), kept to be returned again by ``read(into:)``.
    /// Call once, before reading.
    public func peek(_ count: Int) throws(IngestError) -> [UInt8] {
        precondition(prefix.isEmpty && prefixOffset == 0, "peek once, before reading")
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { chunk.deallocate() }
        var filled = 0
        while filled < count {
            let n = try readDescriptor(into: UnsafeMutableRawBufferPointer(rebasing: chunk[filled...]))
            if n == 0 { break }
            filled += n
        }
        prefix = Array(chunk[0..<filled])
        return prefix
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        if prefixOffset < prefix.count {
            let n = min(buffer.count, prefix.count - prefixOffset)
            prefix.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + prefixOffset, byteCount: n)
            }
            prefixOffset += n
            if prefixOffset == prefix.count {
                prefix = []
                prefixOffset = 0
            }
            return n
        }
        return try readDescriptor(into: buffer)
    }

    public func hasInputReady() -> Bool {
        if prefixOffset < prefix.count || isRegularFile || reachedEnd { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    public func close() {
        if ownsDescriptor && fd >= 0 { Syscall.close(fd) }
        fd = -1
    }

    private func readDescriptor(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        guard fd >= 0, !reachedEnd, buffer.count > 0 else { return 0 }
        if !isRegularFile, let stop {
            // Wait in slices so a stop request is noticed even when the writer is idle.
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&descriptor, 1, 200) == 0 {
                if stop.isStopRequested { return 0 }
            }
        }
        while true {
            let n = Syscall.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 {
                if n == 0 { reachedEnd = true }
                return n
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 200)
                if stop?.isStopRequested == true { return 0 }
                continue
            }
            throw .readFailed(input: name, errno: errno)
        }
    }
}
