import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sits in a TCP listener's server pipeline, before NIO's accept handler: closes connections accepted
/// past ``ListenerConfiguration/maxConnections`` (counted, logged once per interval), and pauses
/// accepting when `accept` fails for want of descriptors or memory.
///
/// Without the pause, a listener whose process reached its descriptor limit is readable forever: every
/// `accept4` fails with EMFILE at once and the event loop spins at 100 % CPU. Here each failure is
/// counted, the next accept waits 10 ms, doubling up to 1 s while failures go on, and a line is logged
/// once per interval. Connections wait in the kernel's backlog meanwhile and are accepted as soon as
/// descriptors are free again (a connection closing frees one).
final class AcceptGate: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let name: String
    private let connections: ConnectionRegistry
    private let maxConnections: Int
    private let counters: IngestCounters
    private let logger: Logger
    private var refusedLog = IntervalLog()
    private var acceptErrorLog = IntervalLog()
    private var backoff: TimeAmount?
    private var resume: Scheduled<Void>?

    static let firstBackoff = TimeAmount.milliseconds(10)
    static let longestBackoff = TimeAmount.seconds(1)

    init(name: String, connections: ConnectionRegistry, maxConnections: Int, counters: IngestCounters, logger: Logger) {
        self.name = name
        self.connections = connections
        self.maxConnections = maxConnections
        self.counters = counters
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        backoff = nil
        let child = unwrapInboundIn(data)
        let open = connections.count
        guard open < maxConnections else {
            IngestCounters.add(counters.refusedConnections, 1)
            child.close(promise: nil)
            if let count = refusedLog.note() {
                logger.warning(
                    "\(name): refused \(count) connection(s): \(open) open, the most --max-connections allows (refused connections are counted)"
                )
            }
            return
        }
        // Counted here, not in the child's initializer, which may run after the next accept is checked.
        connections.add(child)
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        IngestCounters.add(counters.acceptErrors, 1)
        let pause = backoff.map { min($0 * 2, Self.longestBackoff) } ?? Self.firstBackoff
        backoff = pause
        // NIO keeps a listener whose accept failed registered for readability, so the event loop would
        // be woken again at once: stop reading (which unregisters it) and read again after the pause.
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        resume?.cancel()
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
            self.resume = nil
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        if let count = acceptErrorLog.note() {
            let reason = String(cString: strerror(error.errnoCode))
            logger.warning(
                "\(name): cannot accept connections: \(reason) (\(connections.count) connections open, descriptor limit \(Self.descriptorLimit())); pausing accepts for \(pause.nanoseconds / 1_000_000) ms, up to \(Self.longestBackoff.nanoseconds / 1_000_000) ms while it lasts (\(count) failed accept(s) since the last such line)"
            )
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }

    /// The soft `RLIMIT_NOFILE` of the process.
    static func descriptorLimit() -> String {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return "unknown" }
        return limit.rlim_cur == rlim_t.max ? "unlimited" : "\(limit.rlim_cur)"
    }
}
