import VigilEvent

/// Everything the collector counted over a run, merged from the per-batch results.
public struct PipelineTotals: Sendable {
    public var batches: UInt64 = 0
    public var parse = ParseCounters()
    /// Worker stages' counters, merged across workers, in stage order.
    public var workerStages: [StageCounters] = []
    /// Ordered stages' counters, read after they finished.
    public var orderedStages: [StageCounters] = []
    /// The largest event time seen.
    public var maxEventTime: Timestamp = .distantPast
    /// Where event times came from, over every batch (the ordered stages add what they decide).
    public var eventTime = EventTimeCounters()

    public init() {}

    /// Adds one batch result.
    public mutating func add(_ result: BatchResult) {
        batches += 1
        parse.merge(result.parse)
        if result.maxEventTime > maxEventTime { maxEventTime = result.maxEventTime }
        eventTime.merge(result.eventTime)
        for (i, counters) in result.stageCounters.enumerated() {
            if i < workerStages.count {
                workerStages[i].merge(counters)
            } else {
                workerStages.append(counters)
            }
        }
    }

    /// Events that came out of parsing.
    public var events: UInt64 { parse.events }
}
