import Logging
import NIOCore
import VigilEvent

/// One TCP connection: an RFC 6587 ``SyslogFramer`` cuts the stream into messages, which are batched.
///
/// Backpressure: when the pipeline has no room for a batch, the connection stops reading (TCP flow
/// control then slows the peer) and offers the batch again shortly; nothing is dropped. A peer whose
/// bytes are not syslog framing is disconnected and counted; other connections are not affected.
final class TCPSyslogHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let sink: any BatchSink
    private let counters: IngestCounters
    private let configuration: ListenerConfiguration
    private let logger: Logger
    private var framer: SyslogFramer
    private var builder: MessageBatchBuilder
    private var flushTask: Scheduled<Void>?
    private var paused = false
    private var disconnected = false

    init(
        sink: any BatchSink,
        counters: IngestCounters,
        sourceID: SourceID,
        configuration: ListenerConfiguration,
        logger: Logger,
        timeZone: String? = nil
    ) {
        self.sink = sink
        self.counters = counters
        self.configuration = configuration
        self.logger = logger
        self.framer = SyslogFramer(maxMessageSize: configuration.maxMessageSize)
        self.builder = MessageBatchBuilder(sourceID: sourceID, capacity: configuration.batchBytes, timeZone: timeZone)
    }

    func channelActive(context: ChannelHandlerContext) {
        IngestCounters.add(counters.connections, 1)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        counters.countRead(bytes: buffer.readableBytes)
        guard !disconnected else { return }
        let verdict = buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { message in take(message) }
        }
        countDiscarded()
        if case .disconnect(let reason) = verdict {
            disconnected = true
            IngestCounters.add(counters.garbageDisconnects, 1)
            logger.warning("disconnecting TCP peer: \(reason)", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            finalFlush()
            context.close(promise: nil)
            return
        }
        if builder.byteCount >= configuration.batchBytes || builder.count >= configuration.batchMessages {
            flush(context: context)
        } else if flushTask == nil && !paused && !builder.isEmpty {
            flushTask = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.flushInterval) { [self] in
                self.flushTask = nil
                self.flush(context: context)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !disconnected {
            framer.finish { message in take(message) }
        }
        finalFlush()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("TCP connection error: \(error)")
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

    /// Offers the batch; when refused, pauses reading and tries again in a millisecond.
    private func flush(context: ChannelHandlerContext) {
        flushTask?.cancel()
        flushTask = nil
        guard !builder.isEmpty else { return }
        let batch = builder.makeBatch()
        if sink.trySubmit(batch) {
            counters.countBatch(messages: batch.count)
            builder.advance()
            if paused {
                paused = false
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            }
            return
        }
        if !paused {
            paused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        flushTask = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(1)) { [self] in
            self.flushTask = nil
            self.flush(context: context)
        }
    }

    /// At the end of a connection the batch must not be lost, so this one waits for room. Nothing the
    /// pipeline waits on runs on this event loop, so the wait ends as soon as a worker takes a batch.
    private func finalFlush() {
        flushTask?.cancel()
        flushTask = nil
        paused = false
        guard !builder.isEmpty else { return }
        let batch = builder.makeBatch()
        sink.submit(batch)
        counters.countBatch(messages: batch.count)
        builder.advance()
    }
}
