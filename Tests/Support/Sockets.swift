#if canImport(Glibc)
    import Glibc
#endif

/// Minimal blocking loopback sockets for listener tests (IPv4 only).
public enum Sockets {
    public static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Sends each payload as one datagram.
    public static func sendDatagrams(_ payloads: [[UInt8]], port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        defer { close(fd) }
        var target = address(port: port)
        for payload in payloads {
            _ = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Connects over TCP; returns the descriptor.
    public static func connectTCP(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var target = address(port: port)
        let status = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(status == 0, "connect failed: \(errno)")
        return fd
    }

    /// Connects over TCP; the descriptor, or the `errno` of a refused or failed connect.
    public static func tryConnectTCP(port: Int) -> Result<Int32, ConnectError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var target = address(port: port)
        let status = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let error = ConnectError(code: errno)
            close(fd)
            return .failure(error)
        }
        return .success(fd)
    }

    /// Why a connect failed (`code` is the `errno`, e.g. `ECONNREFUSED`).
    public struct ConnectError: Error, Equatable {
        public let code: Int32

        public init(code: Int32) {
            self.code = code
        }
    }

    /// Writes all bytes (ignores errors: the peer may have closed on purpose).
    public static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// The port in `udp 127.0.0.1:PORT`.
    public static func port(of bound: String) -> Int {
        Int(bound.split(separator: ":").last!)!
    }
}

extension Sockets {
    /// Whether the peer closed the connection (a read returns 0 or fails), waiting up to 2 s.
    public static func isClosedByPeer(_ fd: Int32) -> Bool {
        isClosedByPeer(fd, waitingMilliseconds: 2000)
    }

    /// Whether the peer closed the connection (a read returns 0 or fails), waiting up to `milliseconds`.
    public static func isClosedByPeer(_ fd: Int32, waitingMilliseconds milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
    }
}
