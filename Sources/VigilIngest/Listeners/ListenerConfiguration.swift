import NIOCore

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

    /// Bytes per datagram slot of a vector read: room for the largest UDP payload (65,507 bytes over
    /// IPv4), so every datagram arrives whole whatever ``maxMessageSize`` is, and the bytes cut off an
    /// oversize one are known and counted instead of being cut by the kernel unseen.
    var udpSlotSize: Int { 65_536 }
}
