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
    /// Event time: the message's own timestamp, or ``receiveTime`` when it had none (see ``hasOwnTime``).
    public var time: Timestamp
    /// Whether ``time`` came from the message.
    public var hasOwnTime: Bool
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
        self.hasOwnTime = false
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
