#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small POSIX helpers shared by the spool and the transports.
enum Posix {
    /// `strerror(code)`, for messages a person reads (`No space left on device`).
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Writes all of `bytes` at `offset` with `pwrite(2)`, retrying on `EINTR` and short writes.
    /// Returns 0 or the `errno` of the failure.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return 0
    }

    /// Reads exactly `count` bytes at `offset` (fewer only at the end of the file); nil with `errno` set on failure.
    static func preadAll(_ fd: Int32, count: Int, at offset: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        let failed = buffer.withUnsafeMutableBytes { raw -> Bool in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                if n == 0 { break }
                done += n
            }
            return false
        }
        if failed { return nil }
        if done < count { buffer.removeLast(count - done) }
        return buffer
    }

    /// The size of the file open as `fd`, or nil.
    static func fileSize(_ fd: Int32) -> Int? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Creates `path` and its missing parents (like `mkdir -p`); 0 or the `errno` of the failure.
    static func makeDirectories(_ path: String) -> Int32 {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { return errno }
            prefix += "/"
        }
        return 0
    }

    /// Blocks `SIGPIPE` on the calling thread, so that a write to a closed pipe or socket fails with
    /// `EPIPE` instead of killing the process, whether or not the process ignores the signal.
    ///
    /// A `SIGPIPE` raised by a write is directed at the thread that wrote; blocked, it stays pending on
    /// that thread, which never unblocks it.
    static func blockSIGPIPEOnThisThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}

/// `close(2)`, for types whose own `close()` method hides the C function.
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}

/// `send(2)`, for types whose own `send` method hides the C function.
func sendBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, bytes, count, flags)
}

/// `open(2)`, for types whose own `open` hides the C function.
func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

/// `write(2)`, for types whose own `write` hides the C function.
func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// `socket(2)`, for types whose own `socket` hides the C function.
func makeSocket(_ family: Int32, _ type: Int32) -> Int32 {
    socket(family, type, 0)
}

/// `connect(2)`, for types whose own `connect` hides the C function.
func connectSocket(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
