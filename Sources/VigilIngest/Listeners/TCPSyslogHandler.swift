import Logging
import NIOCore
import NIOSSL
import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP (or TLS) connection: an RFC 6587 ``SyslogFramer`` cuts the stream into messages, which are
/// batched.
///
/// Backpressure: when the pipeline has no room for a batch, the connection stops reading (TCP flow
/// control then slows the peer) and offers the batch again shortly; nothing is dropped. A peer whose
/// bytes are not syslog framing is disconnected and counted; other connections are not affected.
///
/// Limits (``ListenerConfiguration``): a connection without a complete message for the idle timeout is
/// closed; one whose unfinished message is longer than its buffer cap, or the largest holder of an
/// unfinished message when those of all connections together exceed the total cap (``ConnectionBudget``),
/// is disconnected. Each is counted. Finished messages never cost a connection: it hands them over in
/// batches sized by ``ConnectionBudget/handOverBytes`` and stops reading while the pipeline is full. At stop (``ListenerStop``) the connection reads on until its peer has nothing more queued,
/// within the shutdown grace period; what arrives after it is read, counted as lost and discarded.
final class TCPSyslogHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Everything the connections of one listener share.
    struct Shared: Sendable {
        let sink: any BatchSink
        let counters: IngestCounters
        let configuration: ListenerConfiguration
        let logger: Logger
        let budget: ConnectionBudget
        let timeZone: String?
    }

    private enum Stopping {
        case running
        /// Reading on until the peer is quiet, at most until `deadline`.
        case draining(deadline: NIODeadline)
        /// The grace period is over: what arrives is counted as lost, until the peer is quiet or `until`.
        case discarding(until: NIODeadline)
    }

    private let shared: Shared
    private var framer: SyslogFramer
    private var builder: MessageBatchBuilder
    private var flushTask: Scheduled<Void>?
    private var idleTask: Scheduled<Void>?
    private var stopTask: Scheduled<Void>?
    private var paused = false
    private var disconnected = false
    private var stopping = Stopping.running
    private var lastMessage = NIODeadline.now()
    /// Reads (and read completions) since the last quiet check while stopping.
    private var reads = 0
    /// Quiet checks in a row (``isQuiet()``).
    private var quietChecks = 0
    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    /// How often a stopping connection checks whether its peer went quiet: two checks in a row that find
    /// no read since the one before mean the socket had nothing queued for whole event-loop turns.
    static let quietCheckInterval = TimeAmount.milliseconds(50)
    /// After the grace period, how long a connection whose peer goes on sending is read (and counted) at most.
    static let discardPeriod = TimeAmount.milliseconds(500)

    init(shared: Shared, sourceID: SourceID) {
        self.shared = shared
        self.framer = SyslogFramer(maxMessageSize: shared.configuration.maxMessageSize)
        self.builder = MessageBatchBuilder(sourceID: sourceID, capacity: shared.configuration.tcpBatchBytes, timeZone: shared.timeZone)
    }

    private var counters: IngestCounters { shared.counters }
    private var configuration: ListenerConfiguration { shared.configuration }
    private var logger: Logger { shared.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        shared.budget.register(
            id,
            disconnect: { [self] in
                self.disconnectOverBuffer(
                    context: context, reason: "the listeners together hold more than --max-total-buffer bytes of unfinished messages")
            },
            offer: { [self] in self.resumeIfTaken(context: context) })
        lastMessage = .now()
        scheduleIdleCheck(context: context)
        // Accepted from the backlog while the listeners stop: read what the peer sent, as the others do.
        if let deadline = shared.budget.stopDeadline { beginStopping(context: context, deadline: deadline) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shared.budget.remove(id)
        cancelTasks()
    }

    func channelActive(context: ChannelHandlerContext) {
        IngestCounters.add(counters.connections, 1)
        context.fireChannelActive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reads += 1
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reads += 1
        let buffer = unwrapInboundIn(data)
        counters.countRead(bytes: buffer.readableBytes)
        guard !disconnected else { return }
        if case .discarding = stopping {
            var lost = 0
            _ = buffer.withUnsafeReadableBytes { bytes in framer.feed(bytes) { _ in lost += 1 } }
            IngestCounters.add(counters.lostAtShutdown, lost)
            framer.discardedBytes = 0
            return
        }
        let before = builder.count
        let verdict = buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { message in take(message) }
        }
        if builder.count != before { lastMessage = .now() }
        countDiscarded()
        if case .disconnect(let reason) = verdict {
            disconnected = true
            IngestCounters.add(counters.garbageDisconnects, 1)
            logger.warning("disconnecting TCP peer: \(reason)", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            releaseBatch(context: context)
            context.close(promise: nil)
            return
        }
        if builder.byteCount >= shared.budget.handOverBytes || builder.count >= configuration.batchMessages {
            flush(context: context)
        } else if flushTask == nil && !paused && !builder.isEmpty {
            flushTask = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.flushInterval) { [self] in
                self.flushTask = nil
                self.flush(context: context)
            }
        }
        if framer.pending.count > configuration.maxConnectionBuffer {
            disconnectOverBuffer(
                context: context, reason: "its unfinished message holds \(framer.pending.count) bytes, more than --max-connection-buffer")
            return
        }
        shared.budget.update(id, unfinished: framer.pending.count)
        shared.budget.enforce()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTasks()
        if !disconnected {
            if case .discarding = stopping {
                if !framer.pending.isEmpty { IngestCounters.add(counters.lostAtShutdown, 1) }
            } else {
                framer.finish { message in take(message) }
            }
        }
        releaseBatch(context: context)
        shared.budget.remove(id)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let stop = event as? ListenerStop {
            beginStopping(context: context, deadline: stop.deadline)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tls = error as? NIOSSLError, case .uncleanShutdown = tls {
            // The peer closed TCP without a TLS close_notify: many syslog senders do. Nothing is lost.
            logger.debug("TLS peer closed without close_notify")
        } else if error is NIOSSLError || error is BoringSSLError {
            if !disconnected && builder.count == 0 && framer.framing == nil {
                // No message got through: the peer does not speak TLS (or not with this certificate).
                disconnected = true
                IngestCounters.add(counters.garbageDisconnects, 1)
            }
            logger.warning(
                "TLS error, closing the connection: \(error)", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
        } else {
            logger.debug("TCP connection error: \(error)")
        }
        context.close(promise: nil)
    }

    /// Moves the framer's count of cut-off bytes to the input's counters.
    private func countDiscarded() {
        IngestCounters.add(counters.discardedBytes, framer.discardedBytes)
        framer.discardedBytes = 0
    }

    private func take(_ message: SyslogFramer.Message) {
        guard message.bytes.count > 0 else {
            IngestCounters.add(counters.emptyLines, 1)
            return
        }
        if message.failure?.reason == .oversizeMessage { IngestCounters.add(counters.truncated, 1) }
        builder.append(message.bytes, failure: message.failure)
    }

    /// Offers the batch; when refused, pauses reading and waits in the budget's queue, which offers it
    /// again in turn (``ConnectionBudget/waitForRoom(_:on:)``).
    private func flush(context: ChannelHandlerContext) {
        flushTask?.cancel()
        flushTask = nil
        // A paused connection is in the queue already; its batch goes in its turn.
        guard !paused, !offerBatch() else { return }
        paused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        shared.budget.waitForRoom(id, on: context.eventLoop)
    }

    /// Hands the batch over if the pipeline has room now; true when it did, or there was none.
    private func offerBatch() -> Bool {
        guard !builder.isEmpty else { return true }
        let batch = builder.makeBatch()
        guard shared.sink.trySubmit(batch) else { return false }
        counters.countBatch(messages: batch.count)
        builder.advance()
        return true
    }

    /// The budget's queue reached this connection: offers its batch and, once it is taken, reads again.
    private func resumeIfTaken(context: ChannelHandlerContext) -> Bool {
        guard offerBatch() else { return false }
        if paused {
            paused = false
            // Reading resumes now: a stop check must not take the time spent waiting for it as quiet.
            reads += 1
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        return true
    }

    /// Hands the batch over for good, when the connection ends or stops taking messages: the budget's
    /// queue takes it if the pipeline is full, so that it no longer depends on this connection and the
    /// event loop goes on reading the others (``ConnectionBudget/handOver(bytes:offer:wait:on:)``).
    private func releaseBatch(context: ChannelHandlerContext) {
        flushTask?.cancel()
        flushTask = nil
        paused = false
        guard !builder.isEmpty else { return }
        let batch = builder.makeBatch()
        builder.advance()
        let sink = shared.sink
        let counters = self.counters
        shared.budget.handOver(
            bytes: batch.bytes.count,
            offer: {
                guard sink.trySubmit(batch) else { return false }
                counters.countBatch(messages: batch.count)
                return true
            },
            wait: {
                // Nothing the pipeline waits on runs on this event loop: the wait ends once a worker takes a batch.
                sink.submit(batch)
                counters.countBatch(messages: batch.count)
            },
            on: context.eventLoop)
    }

    /// Disconnects a connection whose unfinished message is too long: its finished messages are handed over,
    /// the unfinished one is dropped (its bytes counted as discarded).
    private func disconnectOverBuffer(context: ChannelHandlerContext, reason: String) {
        guard !disconnected else { return }
        disconnected = true
        shared.budget.remove(id)
        IngestCounters.add(counters.bufferCapDisconnects, 1)
        IngestCounters.add(counters.discardedBytes, framer.pending.count)
        framer.pending.removeAll()
        logger.info("disconnecting TCP peer: \(reason)", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
        releaseBatch(context: context)
        context.close(promise: nil)
    }

    private func cancelTasks() {
        flushTask?.cancel()
        flushTask = nil
        idleTask?.cancel()
        idleTask = nil
        stopTask?.cancel()
        stopTask = nil
    }

    // MARK: Idle timeout

    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        guard let timeout = configuration.idleTimeout else { return }
        idleTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastMessage + timeout) { [self] in
            self.idleTask = nil
            guard !self.disconnected, case .running = self.stopping else { return }
            // Waiting for room in the pipeline is vigil's doing, not the peer's.
            if self.paused { self.lastMessage = .now() }
            if NIODeadline.now() < self.lastMessage + timeout {
                self.scheduleIdleCheck(context: context)
                return
            }
            IngestCounters.add(self.counters.idleDisconnects, 1)
            self.logger.debug(
                "closing idle TCP connection (no complete message for --idle-timeout)",
                metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            context.close(promise: nil)
        }
    }

    // MARK: Stopping

    private func beginStopping(context: ChannelHandlerContext, deadline: NIODeadline) {
        guard !disconnected, case .running = stopping else { return }
        stopping = .draining(deadline: deadline)
        idleTask?.cancel()
        idleTask = nil
        reads = 0
        scheduleStopCheck(context: context)
    }

    /// Counts what the socket still holds unread as the connection closes after the grace period (a peer
    /// that sent faster than it could be read, even only to count): bytes, its messages being unknown.
    private func countUnreadBytes(context: ChannelHandlerContext) {
        let unread = try? context.channel.pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) {
            descriptor -> Int32 in
            var bytes: Int32 = 0
            return ioctl(descriptor, UInt(FIONREAD), &bytes) == 0 ? bytes : 0
        }
        IngestCounters.add(counters.unreadBytesAtShutdown, Int(unread ?? 0))
    }

    /// Whether the peer is quiet: this check and the one before found no read since the one before them.
    /// One such check is not proof: a check that runs late (the thread was descheduled) can run before
    /// the event loop has read what arrived meanwhile.
    private func isQuiet() -> Bool {
        quietChecks = reads == 0 ? quietChecks + 1 : 0
        return quietChecks >= 2
    }

    private func scheduleStopCheck(context: ChannelHandlerContext) {
        stopTask = context.eventLoop.assumeIsolated().scheduleTask(in: Self.quietCheckInterval) { [self] in
            self.stopTask = nil
            self.checkStopping(context: context)
        }
    }

    private func checkStopping(context: ChannelHandlerContext) {
        guard !disconnected else { return }
        let now = NIODeadline.now()
        switch stopping {
        case .running:
            return
        case .draining(let deadline):
            if now >= deadline {
                // Hand over what was read in time, then read on only to count what is left.
                releaseBatch(context: context)
                stopping = .discarding(until: now + Self.discardPeriod)
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                quietChecks = 0
            } else if !paused && isQuiet() {
                context.close(promise: nil)
                return
            }
        case .discarding(let until):
            if isQuiet() || now >= until {
                countUnreadBytes(context: context)
                context.close(promise: nil)
                return
            }
        }
        reads = 0
        scheduleStopCheck(context: context)
    }
}

/// Sent to every open connection when the listeners stop: read on until the peer is quiet, at most until
/// `deadline` (the end of the shutdown grace period).
struct ListenerStop: Sendable {
    let deadline: NIODeadline
}
