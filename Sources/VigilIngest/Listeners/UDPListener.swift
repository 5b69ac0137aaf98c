import NIOCore
import NIOPosix
import VigilEvent

/// Binds a UDP syslog listener (RFC 5426: one message per datagram).
enum UDPListener {
    static func bind(
        _ address: ListenAddress,
        group: MultiThreadedEventLoopGroup,
        configuration: ListenerConfiguration,
        sink: any BatchSink,
        counters: IngestCounters,
        sourceID: SourceID
    ) throws(IngestError) -> any Channel {
        // Vector reads split the receive buffer evenly between datagrams: without an allocator sized for
        // all of them, each datagram would be silently cut to a sliver of the default 2 KiB buffer.
        let slot = configuration.udpSlotSize
        let vector = max(configuration.udpVectorReadCount, 1)
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(configuration.udpReceiveBufferBytes))
            .channelOption(.datagramVectorReadMessageCount, value: vector)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: slot * vector))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = UDPBatchHandler(
                        sink: sink, counters: counters, sourceID: sourceID, configuration: configuration,
                        timeZone: address.timeZone)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            return try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            throw .cannotBind(address: "udp \(address)", message: "\(error)")
        }
    }
}
