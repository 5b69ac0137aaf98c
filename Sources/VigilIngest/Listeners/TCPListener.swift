import Logging
import NIOCore
import NIOPosix
import VigilEvent

/// Binds a TCP syslog listener (RFC 6587); every accepted connection becomes its own source.
enum TCPListener {
    static func bind(
        _ address: ListenAddress,
        group: MultiThreadedEventLoopGroup,
        configuration: ListenerConfiguration,
        sink: any BatchSink,
        counters: IngestCounters,
        sources: SourceIDAllocator,
        connections: ConnectionRegistry,
        logger: Logger
    ) throws(IngestError) -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let handler = TCPSyslogHandler(
                        sink: sink, counters: counters, sourceID: sources.allocate(), configuration: configuration,
                        logger: logger, timeZone: address.timeZone)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            return try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            throw .cannotBind(address: "tcp \(address)", message: "\(error)")
        }
    }
}
