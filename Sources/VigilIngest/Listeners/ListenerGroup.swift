import Logging
import NIOCore
import NIOPosix
import NIOSSL
import VigilEvent

/// The UDP, TCP and TLS listeners of a run, on one event-loop thread.
///
/// Each listener binds only the address it was given; one bound to an address other than loopback is
/// logged as open to the network. Stopping closes the listening sockets, lets every open connection
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
    private let budget: ConnectionBudget

    /// Binds every listener; on failure the ones already bound are closed again. `tls` listeners need
    /// `tlsFiles` (their certificate and key are loaded, and checked, before anything is bound).
    public static func start(
        udp: [ListenAddress],
        tcp: [ListenAddress],
        tls: [ListenAddress] = [],
        tlsFiles: ListenerTLS? = nil,
        configuration: ListenerConfiguration,
        sink: any BatchSink,
        sources: SourceIDAllocator,
        logger: Logger
    ) throws(IngestError) -> ListenerGroup {
        var tlsContext: NIOSSLContext?
        if !tls.isEmpty {
            guard let tlsFiles else { throw .tlsSetup(file: "--tls", message: "TLS listeners need --tls-cert and --tls-key") }
            tlsContext = try tlsFiles.makeContext()
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionRegistry()
        let budget = ConnectionBudget(
            maxTotal: configuration.maxTotalBuffer, largestBatch: configuration.tcpBatchBytes, logger: logger)
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
            let streams: [(kind: String, addresses: [ListenAddress], tls: NIOSSLContext?)] = [("tcp", tcp, nil), ("tls", tls, tlsContext)]
            for (kind, addresses, context) in streams {
                for address in addresses {
                    let counter = IngestCounters(name: "\(kind) \(address)")
                    let channel = try TCPListener.bind(
                        address, group: group, configuration: configuration, sink: sink, counters: counter, sources: sources,
                        connections: connections, budget: budget, tls: context, logger: logger)
                    servers.append(channel)
                    counters.append(counter)
                    bound.append("\(kind) \(channel.localAddress.map(describe) ?? address.description)")
                }
            }
        } catch {
            for channel in servers { try? channel.close().wait() }
            try? group.syncShutdownGracefully()
            throw error
        }
        for (channel, address) in zip(servers, bound) where !(channel.localAddress.map(isLoopback) ?? true) {
            logger.warning(
                "\(address) is not a loopback address: the port is open to the network and unauthenticated, anyone who can reach it can send events; bind 127.0.0.1 or [::1] unless other machines must reach it (then firewall it, and use --tls for senders across a network)"
            )
        }
        return ListenerGroup(
            group: group, servers: servers, connections: connections, configuration: configuration, budget: budget, counters: counters,
            bound: bound)
    }

    private init(
        group: MultiThreadedEventLoopGroup,
        servers: [any Channel],
        connections: ConnectionRegistry,
        configuration: ListenerConfiguration,
        budget: ConnectionBudget,
        counters: [IngestCounters],
        bound: [String]
    ) {
        self.group = group
        self.servers = servers
        self.connections = connections
        self.configuration = configuration
        self.budget = budget
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

    /// Stops accepting (once the connections the kernel already completed are accepted), lets every open
    /// connection read what its peer already sent until the peer is quiet (at most
    /// ``ListenerConfiguration/shutdownGrace``; what comes after it is counted as lost at shutdown), closes
    /// the connections (each hands over its last batch) and stops the event loop.
    /// Blocks until done; call from outside the event loop.
    public func stop() {
        for (channel, counter) in zip(servers, counters) {
            // Read before closing: the socket's line leaves /proc/net/udp with it.
            if counter.name.hasPrefix("udp "), let port = channel.localAddress?.port, let drops = UDPKernelDrops.count(port: port) {
                counter.droppedByKernel.store(drops, ordering: .relaxed)
            }
        }
        let loop = group.next()
        let deadline = NIODeadline.now() + configuration.shutdownGrace
        // Every connection open now reads what its peer sent (until quiet, within the grace period); one
        // accepted from now on does so at once. Both on the loop, so that none is missed.
        try? loop.submit { [budget, connections] in
            budget.stopDeadline = deadline
            for channel in connections.all { channel.pipeline.fireUserInboundEventTriggered(ListenerStop(deadline: deadline)) }
        }.wait()
        // Connections the kernel completed before the signal are open for their senders, who may have sent
        // lines already: the backlog is accepted before the listening sockets close. Accepting is quick;
        // what takes time is reading, which the connections bound themselves.
        for (channel, counter) in zip(servers, counters) where !counter.name.hasPrefix("udp ") {
            Self.waitForEmptyBacklog(channel, until: deadline + TCPSyslogHandler.discardPeriod)
        }
        for channel in servers { try? channel.close().wait() }
        // On the loop, so that every connection accepted before the listening sockets closed is registered.
        let open = (try? loop.submit { [connections] in connections.all }.wait()) ?? connections.all
        // Connections close by themselves once drained; this bounds the wait whatever a peer does.
        let backstop = loop.scheduleTask(deadline: deadline + TCPSyslogHandler.discardPeriod + .seconds(1)) { [connections] in
            for channel in connections.all { channel.close(promise: nil) }
        }
        for channel in open { try? channel.closeFuture.wait() }
        backstop.cancel()
        for channel in connections.all { try? channel.close().wait() }
        // The last batches of closed connections may still wait for room in the pipeline, which goes on
        // taking batches until the listeners are stopped.
        try? loop.flatSubmit { [budget] in budget.whenDrained(on: loop) }.wait()
        try? group.syncShutdownGracefully()
    }
}

extension ListenerGroup {
    /// Waits while the kernel holds connections for `server` that it has not accepted yet (Linux reports
    /// the accept queue's length in `TCP_INFO` of a listening socket), until `deadline` or until the queue
    /// did not shrink for a second (accepting may be paused for want of descriptors, up to a second).
    static func waitForEmptyBacklog(_ server: any Channel, until deadline: NIODeadline) {
        #if os(Linux)
            guard let provider = server as? any SocketOptionProvider else { return }
            var queued = UInt32.max
            var lastProgress = NIODeadline.now()
            while NIODeadline.now() < deadline {
                guard let info = try? provider.getTCPInfo().wait(), info.tcpi_unacked > 0 else { return }
                if info.tcpi_unacked < queued {
                    queued = info.tcpi_unacked
                    lastProgress = .now()
                } else if NIODeadline.now() - lastProgress > .seconds(1) {
                    return
                }
                usleep(5_000)
            }
        #endif
    }
}

/// `127.0.0.1:5514` / `[::1]:5514`.
func describe(_ address: SocketAddress) -> String {
    guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
}

/// Whether a bound address is reachable from this machine only (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104).
func isLoopback(_ address: SocketAddress) -> Bool {
    guard let ip = address.ipAddress else { return true }
    return ip.hasPrefix("127.") || ip == "::1" || ip.lowercased().hasPrefix("::ffff:127.")
}
