import VigilCorrelate
import VigilEvent

/// What the workers made of one input batch, handed to the ordered stages in input order.
///
/// Carries everything the stateful stages need without the events themselves: correlation inputs, the largest
/// event time (for watermarks), rendered output and counters. ``events`` is kept only when an ordered
/// stage needs whole events (the archive), see ``PipelineConfiguration/retainsEvents``.
public struct BatchResult: Sendable {
    /// Position of the batch in the input ring: results reach ordered stages by increasing ticket.
    public let ticket: UInt64
    public let source: SourceID
    /// Sequence number of the batch's first message within its source.
    public let firstSequence: UInt64
    public let receiveTime: Timestamp
    public var eventCount: Int
    /// Largest event time in the batch that may move progress (``Timestamp/distantPast`` when it had
    /// none): own times, after the decoders, without those stamped too far ahead of the clock.
    public var maxEventTime: Timestamp
    /// The batch's event times in input order, for the watermark (when correlation runs).
    public var timeline: BatchTimeline?
    /// Where the batch's event times came from.
    public var eventTime: EventTimeCounters
    /// Slots in ``output`` holding the time of events that had none when rendered
    /// (``EventTimeSource/pending``), filled in by the ordered stages (``EventTimeResolver``).
    public var pendingTimeSlots: [PendingTimeSlot]
    /// The time the batch's pending events take (the last timed event of their source's earlier
    /// batches, else the receive time), once ``EventTimeResolver`` has run; nil when none is pending.
    public var pendingTime: (time: Timestamp, precision: UInt8)?
    /// The detections correlations read, routed to their shards (filled by a detect stage; nil when the
    /// run correlates nothing or the batch had none).
    public var correlationInputs: CorrelationBatch?
    /// Bytes for standard output, written in order by the output stage (`vigil parse` lines, or the
    /// detection alerts of `vigil run` as JSON lines).
    public var output: [UInt8]
    /// How many detection alert lines ``output`` holds.
    public var detectionAlerts: Int
    /// The parsed events, when retained.
    public var events: EventBatch?
    public var parse: ParseCounters
    /// The worker stages' counters for this batch, in stage order.
    public var stageCounters: [StageCounters]

    public init(ticket: UInt64, source: SourceID, firstSequence: UInt64, receiveTime: Timestamp) {
        self.ticket = ticket
        self.source = source
        self.firstSequence = firstSequence
        self.receiveTime = receiveTime
        self.eventCount = 0
        self.maxEventTime = .distantPast
        self.timeline = nil
        self.eventTime = EventTimeCounters()
        self.pendingTimeSlots = []
        self.pendingTime = nil
        self.correlationInputs = nil
        self.output = []
        self.detectionAlerts = 0
        self.events = nil
        self.parse = ParseCounters()
        self.stageCounters = []
    }
}
