/// Messages from one source, framed but not parsed: what readers hand to the pipeline.
///
/// One buffer holds the bytes of many messages; ``messages`` gives each message's range. Batches, not
/// single messages, cross threads: the handoff cost is paid once per few thousand messages.
public struct RawBatch: Sendable {
    public var source: SourceID
    /// Sequence number of the first message; message `i` has `firstSequence + i`.
    public var firstSequence: UInt64
    /// When the batch was read.
    public var receiveTime: Timestamp
    public var bytes: [UInt8]
    public var messages: [ByteRange]
    /// Framing problems found while cutting messages (for example a truncated or oversize frame),
    /// by index into ``messages``. Usually empty.
    public var framingFailures: [(index: Int, failure: ParseFailure)]

    public init(
        source: SourceID,
        firstSequence: UInt64,
        receiveTime: Timestamp,
        bytes: [UInt8],
        messages: [ByteRange],
        framingFailures: [(index: Int, failure: ParseFailure)] = []
    ) {
        self.source = source
        self.firstSequence = firstSequence
        self.receiveTime = receiveTime
        self.bytes = bytes
        self.messages = messages
        self.framingFailures = framingFailures
    }

    public var count: Int { messages.count }
}
