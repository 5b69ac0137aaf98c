import Logging
import VigilAlert

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends alerts to a syslog receiver as RFC 5424 messages (``SyslogMessage``), one per alert.
///
/// - TCP (`tcp://HOST:PORT`): octet-counting framing (RFC 6587). A connection that fails or that the
///   receiver closed is dropped and made again on the next attempt (the output backs off between
///   attempts); a message cut off by a lost connection is sent whole on the next one. Before each
///   batch the transport checks whether the receiver closed the connection meanwhile, so a receiver
///   that restarted between batches loses nothing. Alerts the kernel took just before a connection
///   broke can still be lost: syslog over TCP has no acknowledgements.
/// - UDP (`udp://HOST:PORT`): one datagram per alert, best effort. An alert too large for a datagram
///   (over 65,507 bytes) is never sent in part: it is counted as dropped and logged. A refusal the
///   kernel reports (ICMP port unreachable: nothing listens) makes the output back off and try again,
///   but the datagram that drew the refusal is lost, as UDP goes.
///
/// Host names are resolved at every (re)connection, so a receiver that moves is found again.
public final class SyslogTransport: AlertTransport {
    /// The largest UDP payload over IPv4.
    public static let maximumDatagram = 65_507

    public let address: SyslogAddress
    public let facility: SyslogFacility
    public let batchLimit: AlertBatchLimit
    public let connectTimeout: Duration
    /// How long a TCP receiver may leave its window full before the connection is given up.
    public let writeTimeout: Duration

    private let logger: Logger
    private let hostname = SyslogMessage.hostname()
    private let processID = getpid()
    private var socket: Int32 = -1
    private var oversizeLog: (last: ContinuousClock.Instant?, unlogged: Int) = (nil, 0)

    public init(
        address: SyslogAddress, facility: SyslogFacility = .local4, connectTimeout: Duration = .seconds(5),
        writeTimeout: Duration = .seconds(10),
        logger: Logger
    ) {
        self.address = address
        self.facility = facility
        self.connectTimeout = connectTimeout
        self.writeTimeout = writeTimeout
        self.logger = logger
        batchLimit = AlertBatchLimit(alerts: address.transport == .udp ? 256 : 4096, bytes: 1 << 20)
    }

    public func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        switch address.transport {
        case .udp: sendDatagrams(alerts)
        case .tcp: sendStream(alerts, deadline: deadline)
        }
    }

    public func close() {
        disconnect()
    }

    private func disconnect() {
        if socket >= 0 { closeDescriptor(socket) }
        socket = -1
    }

    /// The syslog message of alert `index`, with `headers` cached by tier for one batch.
    private func message(_ alerts: AlertLines, _ index: Int, timestamp: String, headers: inout [Int: [UInt8]]) -> [UInt8] {
        let tier = alerts.tier(at: index)
        if headers[tier] == nil {
            headers[tier] = SyslogMessage.header(
                facility: facility, tier: tier, timestamp: timestamp, hostname: hostname, processID: processID)
        }
        let range = alerts.range(of: index)
        return headers[tier]! + alerts.bytes[range.lowerBound..<(range.upperBound - 1)]
    }

    // MARK: UDP

    private func sendDatagrams(_ alerts: AlertLines) -> AlertTransportOutcome {
        if socket < 0 {
            switch connect(type: SOCK_DGRAM, deadline: .now + connectTimeout) {
            case .success(let fd): socket = fd
            case .failure(let failure): return AlertTransportOutcome(done: 0, problem: .receiverDown(failure.message))
            }
        }
        let timestamp = SyslogMessage.timestampNow()
        var headers: [Int: [UInt8]] = [:]
        var done = 0, unsendable = 0
        while done < alerts.count {
            let datagram = message(alerts, done, timestamp: timestamp, headers: &headers)
            if datagram.count > Self.maximumDatagram {
                noteOversize(datagram.count)
                unsendable += 1
                done += 1
                continue
            }
            let sent = datagram.withUnsafeBytes { sendBytes(socket, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent >= 0 {
                done += 1
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                // The socket's send buffer is full for a moment.
                if !Self.wait(socket, for: Int16(POLLOUT), until: .now + writeTimeout) {
                    return AlertTransportOutcome(
                        done: done, unsendable: unsendable, problem: .receiverDown("\(address): the send buffer stayed full"))
                }
            case EMSGSIZE:
                noteOversize(datagram.count)
                unsendable += 1
                done += 1
            case ECONNREFUSED:
                // An earlier datagram drew an ICMP port unreachable: nothing listens. Keep the socket.
                return AlertTransportOutcome(done: done, unsendable: unsendable, problem: .receiverDown("\(address): connection refused"))
            default:
                let message = "\(address): send failed: \(Posix.describe(errno))"
                disconnect()
                return AlertTransportOutcome(done: done, unsendable: unsendable, problem: .receiverDown(message))
            }
        }
        return AlertTransportOutcome(done: done, unsendable: unsendable)
    }

    /// Logs an alert too large for a datagram, at most one line per 10 s (with a count of the others).
    private func noteOversize(_ size: Int) {
        let now = ContinuousClock.now
        oversizeLog.unlogged += 1
        if let last = oversizeLog.last, now - last < .seconds(10) { return }
        logger.error(
            "\(oversizeLog.unlogged) alert(s) dropped: the last was \(size) bytes as a syslog message, more than a UDP datagram carries (\(Self.maximumDatagram)); send to tcp:// for alerts this large"
        )
        oversizeLog = (now, 0)
    }

    // MARK: TCP

    private func sendStream(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        if socket >= 0, peerClosed() { disconnect() }
        if socket < 0 {
            switch connect(type: SOCK_STREAM, deadline: min(deadline, .now + connectTimeout)) {
            case .success(let fd): socket = fd
            case .failure(let failure): return AlertTransportOutcome(done: 0, problem: .receiverDown(failure.message))
            }
        }
        let timestamp = SyslogMessage.timestampNow()
        var headers: [Int: [UInt8]] = [:]
        var frames: [UInt8] = []
        frames.reserveCapacity(alerts.bytes.count + alerts.count * 80)
        var ends: [Int] = []
        ends.reserveCapacity(alerts.count)
        for index in 0..<alerts.count {
            let message = message(alerts, index, timestamp: timestamp, headers: &headers)
            frames.append(contentsOf: "\(message.count) ".utf8)
            frames.append(contentsOf: message)
            ends.append(frames.count)
        }
        let stallDeadline = min(deadline, .now + writeTimeout)
        var written = 0
        var problem: String?
        frames.withUnsafeBytes { raw in
            while written < raw.count {
                let sent = sendBytes(socket, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if sent >= 0 {
                    written += sent
                    continue
                }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK:
                    if !Self.wait(socket, for: Int16(POLLOUT), until: stallDeadline) {
                        problem = "\(address): the receiver took nothing for \(writeTimeout)"
                        return
                    }
                default:
                    problem = "\(address): connection lost: \(Posix.describe(errno))"
                    return
                }
            }
        }
        guard let problem else { return .delivered(alerts.count) }
        disconnect()
        var done = 0
        while done < ends.count, ends[done] <= written { done += 1 }
        return AlertTransportOutcome(done: done, problem: .receiverDown(problem))
    }

    /// Whether the receiver closed the connection (or reset it); anything it sent is read and ignored.
    private func peerClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return false }
            if descriptor.revents & Int16(POLLERR | POLLHUP) != 0 { return true }
            let n = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { return true }
            if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        }
    }

    /// Resolves the address and connects a socket of `type` (non-blocking), trying each address in turn.
    private func connect(type: __socket_type, deadline: ContinuousClock.Instant) -> Result<Int32, ConnectFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(type.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(ConnectFailure(message: "\(address): cannot resolve \(address.host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = makeSocket(info.pointee.ai_family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
            guard fd >= 0 else {
                lastError = Posix.describe(errno)
                continue
            }
            if connectSocket(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return .success(fd) }
            if errno == EINPROGRESS {
                if Self.wait(fd, for: Int16(POLLOUT), until: deadline) {
                    var code: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
                    if code == 0 { return .success(fd) }
                    lastError = Posix.describe(code)
                } else {
                    lastError = "connection timed out"
                }
            } else {
                lastError = Posix.describe(errno)
            }
            closeDescriptor(fd)
        }
        return .failure(ConnectFailure(message: "\(address): cannot connect: \(lastError)"))
    }

    /// Polls `fd` for `events` until `deadline`; false when it passes first.
    static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            if left <= .zero { return false }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 1000))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }
        }
    }
}

/// Why a connection could not be made, as a message.
struct ConnectFailure: Error {
    var message: String
}
