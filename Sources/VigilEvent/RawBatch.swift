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
    /// How the source's event times relate to the clock (live or replayed, the file's age).
    public var clock: SourceClock = SourceClock()

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

/// How a source's event times relate to the wall clock: what the parser and the event-time rules need
/// to know about where a batch came from.
public struct SourceClock: Sendable, Hashable {
    /// Messages arrive as they are written (a listener, `tail -F` through a pipe): their times should be
    /// near the receive time. A replay (files, `--no-live`) may hold any past time.
    public var isLive: Bool
    /// Messages of many senders arrive on the source (a syslog listener): event-time progress is kept per
    /// sending host, and a message without a time takes its receive time. On a file or pipe, one stream
    /// in order, an untimed message takes the time of the message before it instead.
    public var isListener: Bool
    /// The instant RFC 3164 years (which stamps do not carry) are inferred against: a file's
    /// modification time, since no line of it can have been written later. Nil: the receive time.
    public var yearReference: Timestamp?
    /// IANA zone of stamps without one from this source (a listener's own `timezone=`); nil: the
    /// run's `--timezone`, or a host pattern's zone.
    public var timeZone: String?

    public init(isLive: Bool = false, isListener: Bool = false, yearReference: Timestamp? = nil, timeZone: String? = nil) {
        self.isLive = isLive
        self.isListener = isListener
        self.yearReference = yearReference
        self.timeZone = timeZone
    }
}
