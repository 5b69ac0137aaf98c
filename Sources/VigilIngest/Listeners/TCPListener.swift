import Logging
import NIOCore
import NIOPosix
import NIOSSL
import VigilEvent

/// Binds a TCP syslog listener (RFC 6587), or with a TLS context a TLS one (RFC 5425); every accepted
/// connection becomes its own source.
enum TCPListener {
    static func bind(
        _ address: ListenAddress,
        group: MultiThreadedEventLoopGroup,
        configuration: ListenerConfiguration,
        sink: any BatchSink,
        counters: IngestCounters,
        sources: SourceIDAllocator,
        connections: ConnectionRegistry,
        budget: ConnectionBudget,
        tls: NIOSSLContext? = nil,
        logger: Logger
    ) throws(IngestError) -> any Channel {
        let kind = tls == nil ? "tcp" : "tls"
        let shared = TCPSyslogHandler.Shared(
            sink: sink, counters: counters, configuration: configuration, logger: logger, budget: budget, timeZone: address.timeZone)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let gate = AcceptGate(
                        name: "\(kind) \(address)", connections: connections, maxConnections: configuration.maxConnections,
                        counters: counters, logger: logger)
                    try channel.pipeline.syncOperations.addHandler(gate)
                }
            }
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            // One read (64 KiB at most) per readable event, instead of up to four: a connection that
            // stops reading because the pipeline is full then holds at most one read past its batch.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                // AcceptGate registered the channel in `connections` (it counts them against the cap).
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandler(TCPSyslogHandler(shared: shared, sourceID: sources.allocate()))
                }
            }
        do {
            return try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            throw .cannotBind(address: "\(kind) \(address)", message: "\(error)")
        }
    }
}
