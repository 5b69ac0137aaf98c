import NIOCore
import VigilEvent

/// Turns datagrams into batches: one message per datagram (a trailing LF, CR LF or NUL removed).
///
/// Runs on the listener's event loop and never blocks it: a batch the pipeline has no room for is
/// dropped and its messages counted in ``IngestCounters`` as dropped for backpressure.
final class UDPBatchHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let sink: any BatchSink
    private let counters: IngestCounters
    private let configuration: ListenerConfiguration
    private var builder: MessageBatchBuilder
    private var flushTask: Scheduled<Void>?

    init(
        sink: any BatchSink, counters: IngestCounters, sourceID: SourceID, configuration: ListenerConfiguration, timeZone: String? = nil
    ) {
        self.sink = sink
        self.counters = counters
        self.configuration = configuration
        self.builder = MessageBatchBuilder(
            sourceID: sourceID, capacity: configuration.batchBytes + configuration.udpSlotSize, timeZone: timeZone)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        counters.countRead(bytes: envelope.data.readableBytes)
        let limit = configuration.maxMessageSize
        let appended = envelope.data.withUnsafeReadableBytes { datagram -> Bool in
            var end = datagram.count
            while end > 0, datagram[end - 1] == 0x0A || datagram[end - 1] == 0x0D || datagram[end - 1] == 0 { end -= 1 }
            guard end > 0 else { return false }
            if end > limit {
                IngestCounters.add(counters.truncated, 1)
                IngestCounters.add(counters.discardedBytes, end - limit)
                builder.append(UnsafeRawBufferPointer(rebasing: datagram[..<limit]), failure: ParseFailure(.oversizeMessage, at: limit))
            } else {
                builder.append(UnsafeRawBufferPointer(rebasing: datagram[..<end]))
            }
            return true
        }
        if !appended {
            IngestCounters.add(counters.emptyLines, 1)
            return
        }
        if builder.byteCount >= configuration.batchBytes || builder.count >= configuration.batchMessages {
            flush()
        } else if flushTask == nil {
            flushTask = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.flushInterval) { [self] in
                self.flushTask = nil
                self.flush()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelInactive()
    }

    private func flush() {
        flushTask?.cancel()
        flushTask = nil
        guard !builder.isEmpty else { return }
        let batch = builder.makeBatch()
        if sink.trySubmit(batch) {
            counters.countBatch(messages: batch.count)
        } else {
            IngestCounters.add(counters.droppedBackpressure, batch.count)
        }
        builder.advance()
    }
}
