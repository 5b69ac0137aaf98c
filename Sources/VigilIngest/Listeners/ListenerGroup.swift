import Logging
import NIOCore
import NIOPosix
import VigilEvent

/// The UDP and TCP listeners of a run, on one event-loop thread.
///
/// Each listener binds only the address it was given. Stopping closes the listening sockets, lets every open connection
/// deliver what its peer already sent (within the shutdown grace period), and closes it; each connection
/// hands over its last batch before it closes.
public final class ListenerGroup: Sendable {
    /// One counter set per listener (a TCP listener's connections share it).
    public let counters: [IngestCounters]
    /// Where each listener actually listens (the port is filled in when 0 was asked for).
    public let boundAddresses: [String]
    private let group: MultiThreadedEventLoopGroup
    private let servers: [any Channel]
    private let connections: ConnectionRegistry
    private let configuration: ListenerConfiguration

    /// Binds every listener; on failure the ones already bound are closed again.
    public static func start(
        udp: [ListenAddress],
        tcp: [ListenAddress],
        configuration: ListenerConfiguration,
        sink: any BatchSink,
        sources: SourceIDAllocator,
        logger: Logger
    ) throws(IngestError) -> ListenerGroup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionRegistry()
        let budget = ConnectionBudget(maxTotal: configuration.maxTotalBuffer, logger: logger)
        var servers: [any Channel] = []
        var counters: [IngestCounters] = []
        var bound: [String] = []
        do {
            for address in udp {
                let sourceID = sources.allocate()
                let counter = IngestCounters(name: "udp \(address)")
                let channel = try UDPListener.bind(
                    address, group: group, configuration: configuration, sink: sink, counters: counter, sourceID: sourceID)
                servers.append(channel)
                counters.append(counter)
                bound.append("udp \(channel.localAddress.map(describe) ?? address.description)")
            }
            for address in tcp {
                let counter = IngestCounters(name: "tcp \(address)")
                let channel = try TCPListener.bind(
                    address, group: group, configuration: configuration, sink: sink, counters: counter, sources: sources,
                    connections: connections, budget: budget, logger: logger)
                servers.append(channel)
                counters.append(counter)
                bound.append("tcp \(channel.localAddress.map(describe) ?? address.description)")
            }
        } catch {
            for channel in servers { try? channel.close().wait() }
            try? group.syncShutdownGracefully()
            throw error
        }
        return ListenerGroup(
            group: group, servers: servers, connections: connections, configuration: configuration, counters: counters, bound: bound)
    }

    private init(
        group: MultiThreadedEventLoopGroup,
        servers: [any Channel],
        connections: ConnectionRegistry,
        configuration: ListenerConfiguration,
        counters: [IngestCounters],
        bound: [String]
    ) {
        self.group = group
        self.servers = servers
        self.connections = connections
        self.configuration = configuration
        self.counters = counters
        self.boundAddresses = bound
    }

    /// The listeners' counters, named by the address each actually listens on.
    public func snapshots() -> [IngestCounters.Snapshot] {
        zip(counters, boundAddresses).map { counter, address in
            var snapshot = counter.snapshot()
            snapshot.name = address
            return snapshot
        }
    }

    /// Stops accepting, lets every open connection read what its peer already sent until the peer is
    /// quiet (at most ``ListenerConfiguration/shutdownGrace``; what comes after it is counted as lost at
    /// shutdown), closes the connections (each hands over its last batch) and stops the event loop.
    /// Blocks until done; call from outside the event loop.
    public func stop() {
        for (channel, counter) in zip(servers, counters) {
            // Read before closing: the socket's line leaves /proc/net/udp with it.
            if counter.name.hasPrefix("udp "), let port = channel.localAddress?.port, let drops = UDPKernelDrops.count(port: port) {
                counter.droppedByKernel.store(drops, ordering: .relaxed)
            }
        }
        for channel in servers { try? channel.close().wait() }
        let loop = group.next()
        let deadline = NIODeadline.now() + configuration.shutdownGrace
        // On the loop, so that connections accepted just before the listening sockets closed are registered.
        let open = (try? loop.submit { [connections] in connections.all }.wait()) ?? connections.all
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ListenerStop(deadline: deadline))
        }
        // Connections close by themselves once drained; this bounds the wait whatever a peer does.
        let backstop = loop.scheduleTask(deadline: deadline + TCPSyslogHandler.discardPeriod + .seconds(1)) { [connections] in
            for channel in connections.all { channel.close(promise: nil) }
        }
        for channel in open { try? channel.closeFuture.wait() }
        backstop.cancel()
        for channel in connections.all { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }
}

/// `127.0.0.1:5514` / `[::1]:5514`.
func describe(_ address: SocketAddress) -> String {
    guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
}
