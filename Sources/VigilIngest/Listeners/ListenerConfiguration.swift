import NIOCore
import VigilEvent

/// How listeners read and batch messages.
public struct ListenerConfiguration: Sendable {
    /// Longest message kept; longer ones are cut to this size, marked and counted.
    public var maxMessageSize: Int
    /// Datagrams read per `recvmmsg` call.
    public var udpVectorReadCount: Int
    /// `SO_RCVBUF` asked of the kernel for UDP sockets (the kernel doubles it).
    public var udpReceiveBufferBytes: Int
    /// A batch is handed over once it holds this many bytes ...
    public var batchBytes: Int
    /// ... or this many messages ...
    public var batchMessages: Int
    /// ... or this long after its first message arrived.
    public var flushInterval: TimeAmount
    /// Open TCP connections (all TCP and TLS listeners together); past it new ones are closed at once
    /// and counted as refused.
    public var maxConnections: Int = 1000
    /// A TCP connection with no complete message for this long is closed and counted (nil: never).
    public var idleTimeout: TimeAmount? = .minutes(5)
    /// Longest unfinished message one TCP connection may hold; a connection holding a longer one is
    /// disconnected and counted. Its finished messages are handed over in batches of a quarter of this at
    /// most (``tcpBatchBytes``), so that it holds at most about 1.25 times this plus one read.
    public var maxConnectionBuffer: Int = 1 << 20
    /// Bytes of unfinished messages all TCP connections together may hold; past it the connections holding
    /// the largest are disconnected (counted) until they are under it again. Half of it is shared out among
    /// the open connections as the size at which they hand finished messages over
    /// (``ConnectionBudget/handOverBytes``).
    public var maxTotalBuffer: Int = 64 << 20
    /// At stop, how long connections may go on delivering what their peers sent before vigil closes them
    /// (what they deliver after it is read, counted as lost at shutdown and discarded).
    public var shutdownGrace: TimeAmount = .seconds(5)

    public init(
        maxMessageSize: Int = 64 * 1024,
        udpVectorReadCount: Int = 32,
        udpReceiveBufferBytes: Int = 4 << 20,
        batchBytes: Int = 256 << 10,
        batchMessages: Int = 4096,
        flushInterval: TimeAmount = .milliseconds(10)
    ) {
        self.maxMessageSize = maxMessageSize
        self.udpVectorReadCount = udpVectorReadCount
        self.udpReceiveBufferBytes = udpReceiveBufferBytes
        self.batchBytes = batchBytes
        self.batchMessages = batchMessages
        self.flushInterval = flushInterval
    }

    /// ``idleTimeout`` in the pipeline's duration type (nil: never).
    public var idleTimeoutDuration: Timestamp.Duration? {
        get { idleTimeout.map { Timestamp.Duration(nanoseconds: $0.nanoseconds) } }
        set { idleTimeout = newValue.flatMap { $0.nanoseconds > 0 ? .nanoseconds($0.nanoseconds) : nil } }
    }

    /// ``shutdownGrace`` in the pipeline's duration type.
    public var shutdownGraceDuration: Timestamp.Duration {
        get { Timestamp.Duration(nanoseconds: shutdownGrace.nanoseconds) }
        set { shutdownGrace = .nanoseconds(max(0, newValue.nanoseconds)) }
    }

    /// Bytes per datagram slot of a vector read: room for the largest UDP payload (65,507 bytes over
    /// IPv4), so every datagram arrives whole whatever ``maxMessageSize`` is, and the bytes cut off an
    /// oversize one are known and counted instead of being cut by the kernel unseen.
    var udpSlotSize: Int { 65_536 }

    /// A TCP connection alone hands its batch over once it holds this many bytes (a quarter of
    /// ``maxConnectionBuffer`` at most, so that a connection waiting for room stays well under its cap);
    /// less when many are open (``ConnectionBudget/handOverBytes``).
    var tcpBatchBytes: Int { max(1, min(batchBytes, maxConnectionBuffer / 4)) }
}
