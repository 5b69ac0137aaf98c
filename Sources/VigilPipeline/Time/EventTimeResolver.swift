import VigilEvent

/// The first ordered stage: gives the events a worker left ``EventTimeSource/pending`` (untimed, before
/// any timed event of their batch) the time of the last timed event of their source's earlier
/// batches, which only input order can tell: ``BatchResult/pendingTime`` for correlation, and the
/// time slots of the rendered output (alerts, `vigil parse` lines), filled in place.
///
/// Keeps one time per file or pipe (listeners have no pending events: their untimed messages keep
/// their receive time), so its memory is bounded by the inputs given.
struct EventTimeResolver: OrderedStage {
    let name = "time"
    private(set) var counters = StageCounters(stage: "time")
    private var lastTimed: [SourceID: (time: Timestamp, precision: UInt8)] = [:]

    mutating func consume(_ result: inout BatchResult) throws {
        guard let timeline = result.timeline else { return }
        if timeline.hasPending {
            let taken = lastTimed[result.source] ?? (result.receiveTime, 0)
            result.pendingTime = taken
            for slot in result.pendingTimeSlots { slot.fill(&result.output, with: taken.time, precision: taken.precision) }
            result.detections?.resolvePendingTimes(to: taken.time, precision: taken.precision)
            counters.emitted &+= UInt64(result.pendingTimeSlots.count)
        }
        if !timeline.byHost, let last = timeline.lastTimed { lastTimed[result.source] = last }
    }

    mutating func finish() throws {}
}
