import VigilEvent

/// The caller's side of a correlation engine, shared by ``CorrelationEngine`` and
/// ``ThreadedCorrelationEngine``: the watermark, the batches taken since the last step (each with the
/// watermark that stood before it, which decides what in it is late) and the routing counters.
///
/// Owned by the one thread that feeds the engine (the pipeline's collector).
struct CorrelationIntake {
    /// Batches taken since the last step, each with the time before which its inputs are late.
    typealias Queued = [(batch: CorrelationBatch, lateBefore: Timestamp)]

    let router: CorrelationRouter
    private(set) var watermark: Watermark
    /// Late detections and detections without a group-by field (the shards count the rest).
    private(set) var stats = CorrelationStats()
    private var queued: Queued = []

    init(ruleSet: CorrelationRuleSet, options: CorrelationOptions) {
        router = CorrelationRouter(ruleSet: ruleSet, shards: options.shards)
        watermark = Watermark(lateness: options.lateness)
    }

    /// Routes `Detection`s into one batch; without `latestEventTime`, the watermark follows the
    /// detections' own times.
    mutating func ingest(_ detections: [Detection], latestEventTime: Timestamp?) {
        var batch = CorrelationBatch(shards: router.shards)
        var latest = latestEventTime ?? .distantPast
        // Read detections in place: iterating by value would retain and release each one's strings.
        detections.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                if latestEventTime == nil, buffer[index].time > latest { latest = buffer[index].time }
                router.route(buffer[index], into: &batch)
            }
        }
        ingest(batch, latestEventTime: latest)
    }

    /// Counts the batch's late detections (older than the watermark before it), queues it for the next
    /// step, then lets the watermark follow `latestEventTime`.
    mutating func ingest(_ batch: CorrelationBatch, latestEventTime: Timestamp) {
        precondition(batch.shards == router.shards, "batch routed for \(batch.shards) shards, engine has \(router.shards)")
        let lateBefore = watermark.current
        stats.addRouting(of: batch, lateBefore: lateBefore)
        if !batch.isEmpty { queued.append((batch, lateBefore)) }
        watermark.observe(latestEventTime)
    }

    /// Takes up the watermark of restored state.
    mutating func restore(_ restored: RestoredCorrelation) {
        watermark.restore(maxEventTime: restored.maxEventTime, current: restored.watermark)
    }

    mutating func observe(eventTime: Timestamp) {
        watermark.observe(eventTime)
    }

    mutating func advance(wallClock: Timestamp) {
        watermark.advance(wallClock: wallClock)
    }

    /// Ends the input: the watermark moves to infinity. Returns the horizon of the last step: absence
    /// windows ending after it stay undecided (the last event time, unless `decideAbsenceBeyondInput`).
    mutating func finish(decideAbsenceBeyondInput: Bool) -> Timestamp {
        let horizon = decideAbsenceBeyondInput ? Timestamp.distantFuture : watermark.maxEventTime
        watermark.finish()
        return horizon
    }

    /// The batches queued since the last step; the queue starts over.
    mutating func takeQueued() -> Queued {
        defer { queued = [] }
        return queued
    }
}
