import VigilEvent
import VigilIngest

/// One parse worker's state: its parser and its own instances of the worker stages.
struct Worker {
    let index: Int
    let retainsEvents: Bool
    private var parser: BatchParser
    private var stages: [any BatchStage]

    init(index: Int, configuration: PipelineConfiguration) {
        self.index = index
        self.retainsEvents = configuration.retainsEvents
        self.parser = BatchParser(options: configuration.parser)
        self.stages = configuration.stages(index)
    }

    /// Replaces the worker stages (a reload; see ``Pipeline/switchStages(to:orderedStages:)``).
    mutating func replaceStages(_ stages: [any BatchStage]) {
        self.stages = stages
    }

    /// Parses one batch and runs the stages over it.
    ///
    /// Takes the batch by value so that its byte buffer moves into the event batch with no second
    /// reference: appending derived bytes then grows the buffer in place instead of copying it.
    mutating func process(_ raw: consuming RawBatch, ticket: UInt64) -> BatchResult {
        var result = BatchResult(
            ticket: ticket, source: raw.source, firstSequence: raw.firstSequence, receiveTime: raw.receiveTime)
        var batch = parser.parse(raw)
        result.eventCount = batch.events.count
        result.maxEventTime = result.parse.count(batch)
        result.stageCounters.reserveCapacity(stages.count)
        for i in stages.indices {
            var counters = StageCounters(stage: stages[i].name)
            counters.received = UInt64(batch.events.count)
            stages[i].process(&batch, result: &result, counters: &counters)
            result.stageCounters.append(counters)
        }
        if retainsEvents { result.events = batch }
        return result
    }
}
