/// One normalized event: a parsed syslog message, JSON object or raw line.
///
/// An `Event` is a fixed-size value whose text lives in the ``EventBatch`` it belongs to; read it through
/// the batch (``EventBatch/string(_:)``, ``EventBatch/withBytes(_:_:)``). Stages fill it in order:
/// the parser sets the header and ``fields``, the decoder sets ``decoder`` and ``decodedFields``.
public struct Event: Sendable {
    /// The input this event came from.
    public var source: SourceID
    /// Position of this message within its source, from 0.
    public var sequence: UInt64
    /// When vigil received the message (batch granularity).
    public var receiveTime: Timestamp
    /// Event time: the message's own timestamp, or, when it had none, the time it took (see
    /// ``timeSource``: the latest timed event of its source before it, else ``receiveTime``).
    public var time: Timestamp
    /// Where ``time`` came from.
    public var timeSource: EventTimeSource
    /// Set on live input when the event's own time lies too far from its receive time: more than
    /// `--max-clock-skew` ahead of it, or, on a listener, more than `--max-clock-lag` behind it. ``time``
    /// keeps what the message said; correlation uses ``receiveTime`` (see ``correlationTime``).
    public var isOffClock: Bool
    /// Sub-second digits the input gave (0 ... 9), kept for output.
    public var timePrecision: UInt8
    public var format: EventFormat
    /// Syslog facility (0 ... 23), if the message had a PRI.
    public var facility: UInt8?
    /// Syslog severity (0 ... 7), if the message had a PRI.
    public var severity: UInt8?
    /// The whole message as received, without framing.
    public var raw: ByteRange
    public var host: ByteRange?
    /// Program name (RFC 3164 tag, RFC 5424 APP-NAME, JSON `program`/`app`).
    public var app: ByteRange?
    /// Process id as written (RFC 5424 PROCID need not be numeric).
    public var pid: ByteRange?
    /// RFC 5424 MSGID.
    public var msgid: ByteRange?
    /// The free-text message (for JSON, the `message`/`msg` value if any).
    public var message: ByteRange?
    /// Fields from the parser (JSON members, RFC 5424 structured data).
    public var fields: FieldSpan
    /// Fields from the decoder that matched.
    public var decodedFields: FieldSpan
    /// Name of the decoder that matched, if any.
    public var decoder: Symbol?
    /// Set when parsing failed; the event is then ``EventFormat/raw``.
    public var parseFailure: ParseFailure?

    public init(
        source: SourceID,
        sequence: UInt64,
        receiveTime: Timestamp,
        raw: ByteRange,
        format: EventFormat = .raw
    ) {
        self.source = source
        self.sequence = sequence
        self.receiveTime = receiveTime
        self.time = receiveTime
        self.timeSource = .received
        self.isOffClock = false
        self.timePrecision = 0
        self.format = format
        self.facility = nil
        self.severity = nil
        self.raw = raw
        self.host = nil
        self.app = nil
        self.pid = nil
        self.msgid = nil
        self.message = nil
        self.fields = .empty
        self.decodedFields = .empty
        self.decoder = nil
        self.parseFailure = nil
    }
}

extension Event {
    /// Whether ``time`` came from the message itself (its header, its JSON, or a decoder).
    @inlinable
    public var hasOwnTime: Bool {
        get { timeSource.isOwn }
        set { timeSource = newValue ? .message : .received }
    }

    /// The time correlation places the event at: ``time``, or ``receiveTime`` for a live event stamped
    /// too far from the clock (``isOffClock``).
    @inlinable
    public var correlationTime: Timestamp { isOffClock ? receiveTime : time }
}

/// Where an event's time came from, in the order a later source may replace an earlier one.
public enum EventTimeSource: UInt8, Sendable, CaseIterable {
    /// The message had no time: ``Event/time`` is the receive time, and no timed event of its source came
    /// before it (or the source is live, where the receive time is the best guess).
    case received
    /// The message had no time; it took the time of the latest timed event of its source before it.
    case inherited
    /// The message had no time and the worker that parsed it saw no timed event of its source before it
    /// in its batch: the ordered stages give it the time of the source's last timed event in the batches
    /// before (until then ``Event/time`` is the receive time).
    case pending
    /// An RFC 3164 stamp (`Mmm dd hh:mm:ss`): no year (inferred) and no zone (`--timezone`).
    case header
    /// A complete stamp from the message's header or JSON members (RFC 5424, RFC 3339, epoch).
    case message
    /// A complete stamp a decoder read from the message text (`event_time`).
    case decoder

    /// Whether the time is the message's own.
    @inlinable
    public var isOwn: Bool { rawValue >= EventTimeSource.header.rawValue }

    /// The name used in stats (`received`, `inherited`, `pending`, `header`, `message`, `decoder`).
    public var name: String {
        switch self {
        case .received: "received"
        case .inherited: "inherited"
        case .pending: "pending"
        case .header: "header"
        case .message: "message"
        case .decoder: "decoder"
        }
    }
}
