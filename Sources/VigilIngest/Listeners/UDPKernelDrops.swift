#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Datagrams the kernel dropped for a UDP socket because its receive buffer was full (vigil read too
/// slowly), from the `drops` column of `/proc/net/udp` and `/proc/net/udp6` (Linux only).
///
/// These never reach vigil, so without this they would vanish silently.
enum UDPKernelDrops {
    /// Drops of the sockets bound to `port` (nil when `/proc` cannot tell).
    static func count(port: Int) -> UInt64? {
        var total: UInt64 = 0
        var found = false
        var portHex = String(port, radix: 16, uppercase: true)
        while portHex.count < 4 { portHex = "0" + portHex }
        portHex = ":" + portHex
        for path in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = readText(path) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ", omittingEmptySubsequences: true)
                guard columns.count >= 13, columns[1].hasSuffix(portHex), let drops = UInt64(columns[columns.count - 1])
                else { continue }
                total += drops
                found = true
            }
        }
        return found ? total : nil
    }

    private static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Syscall.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Syscall.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
