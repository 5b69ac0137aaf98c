import VigilAlert
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
    /// The detections that may become alerts, for the ordered alert stage to fold into episodes (nil
    /// when none, or under `--emit all`).
    var detections: DetectionRecords?
    /// Bytes for standard output, written in order by the output stage (`vigil parse` lines, or the
    /// detection alerts of `vigil run --emit all` as JSON lines).
    public var output: [UInt8]
    /// The detection alerts ``output`` holds under `--emit all`, in order.
    var renderedAlerts: [RenderedAlertSlot]
    /// The event time the batch's sources have reached (slowest source, see ``SourceProgress``), set by
    /// ``EventProgressStage`` (nil: none yet, or the stage does not run).
    public var progressTime: Timestamp?
    /// The parsed events, when retained.
    public var events: EventBatch?
    /// With `--archive`: the archive sequence of the batch's first message, set by the archive stage
    /// (event `i` has this plus `i`).
    public var archiveFirstSequence: UInt64?
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
        self.detections = nil
        self.output = []
        self.renderedAlerts = []
        self.progressTime = nil
        self.events = nil
        self.archiveFirstSequence = nil
        self.parse = ParseCounters()
        self.stageCounters = []
    }
}

/// Where a detection alert rendered by a worker (`--emit all`) sits in ``BatchResult/output``, with
/// what the sequencer needs to finish it: its id (made of the rule, the message and how often that
/// message matched the rule before) and its detection time are written in order.
struct RenderedAlertSlot: Sendable {
    /// Offset of the id's 32 digits.
    var id: Int32
    /// Offset of the opening quote of `detected_at`.
    var detectedAt: Int32
    /// Offset just past the alert's newline.
    var end: Int32
    var tier: UInt8
    var rule: UInt32
    /// The hash of the rule and the raw message.
    var message: AlertID

    init(id: Int, detectedAt: Int, end: Int, tier: UInt8, rule: UInt32, message: AlertID) {
        self.id = Int32(id)
        self.detectedAt = Int32(detectedAt)
        self.end = Int32(end)
        self.tier = tier
        self.rule = rule
        self.message = message
    }
}
