import VigilEvent

/// What a worker tells the ordered stages about the event times of one batch, so that they can follow
/// each source's progress in input order (workers see batches in no particular order).
///
/// Filled by ``EventTimeStage`` only when correlation runs (nothing else needs it). Per timed event one
/// `Int64` (and, on live input, one `UInt16`): a few kilobytes per batch, never per event allocations.
public struct BatchTimeline: Sendable {
    /// The batch came from a listener: progress is kept per sending host (``keys``).
    public var byHost = false
    /// Event times (nanoseconds) that may move progress, in input order: the own times of timed events
    /// (on a listener also the receive time of events without one). Times too far ahead of the clock are
    /// left out.
    public var times: [Int64] = []
    /// Listener batches: for each entry of ``times``, its host's index in ``keys``.
    public var keyIndex: [UInt16] = []
    /// Listener batches: the distinct hosts of the batch, as hashes of their names (``hostlessKey``: a message
    /// without a host name, counted under its connection or listener).
    public var keys: [UInt64] = []
    /// Time and sub-second digits of the batch's last timed event, which events without a time at the
    /// start of the source's next batch take.
    public var lastTimed: (time: Timestamp, precision: UInt8)?
    /// Whether some events of the batch are ``EventTimeSource/pending``: untimed, before any timed event
    /// of the batch. Their correlation inputs wait for the ordered stage to give them a time.
    public var hasPending = false

    public init() {}

    /// The key of messages without a host name.
    public static let hostlessKey: UInt64 = 0
}

/// How many events took their time from where, and how many were stamped too far ahead of the clock.
public struct EventTimeCounters: Sendable, Hashable {
    /// Indexed by ``EventTimeSource/rawValue``, after the worker settled each event's time (pending
    /// events are resolved later, by the ordered stages, and stay counted as pending). A fixed vector,
    /// not an array: two of these are made per batch.
    private var bySource = SIMD8<UInt64>()
    /// Events whose own time lay more than `--max-clock-skew` ahead of their receive time.
    public var aheadOfClock: UInt64 = 0
    /// Events on a listener whose own time lay more than `--max-clock-lag` behind their receive time.
    public var behindClock: UInt64 = 0
    /// Events of a replayed source that jumped more than `--max-clock-skew` ahead of its progress and
    /// were not confirmed by the events after them: they kept their time but did not move the watermark.
    public var unconfirmedJumps: UInt64 = 0
    /// Messages of hosts beyond the tracked limit on a listener, counted under their connection.
    public var untrackedHostMessages: UInt64 = 0

    public init() {}

    mutating func count(_ source: EventTimeSource, _ events: UInt64) {
        bySource[Int(source.rawValue)] &+= events
    }

    public func events(from source: EventTimeSource) -> UInt64 { bySource[Int(source.rawValue)] }

    /// Events stamped ahead of the clock or jumping ahead unconfirmed: the `future_time` figure.
    public var futureTime: UInt64 { aheadOfClock + unconfirmedJumps }

    public mutating func merge(_ other: EventTimeCounters) {
        bySource &+= other.bySource
        aheadOfClock &+= other.aheadOfClock
        behindClock &+= other.behindClock
        unconfirmedJumps &+= other.unconfirmedJumps
        untrackedHostMessages &+= other.untrackedHostMessages
    }
}
