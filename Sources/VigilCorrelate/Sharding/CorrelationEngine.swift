import VigilAlert
import VigilEvent

/// The whole correlation stage on one thread: router, watermark, group shards and chain shard.
///
/// The pipeline may instead run ``CorrelationShard``s on their own threads with the same steps (see
/// docs/correlation.md); this type runs them in turn and gives the same alerts for any shard count.
///
/// Per batch of input, in input order: ``ingest(_:latestEventTime:)`` then ``advance()``; when input is
/// idle, ``idle(wallClock:)``; at the end of finite input, ``finish()``.
public final class CorrelationEngine {
    public let ruleSet: CorrelationRuleSet
    public let options: CorrelationOptions
    public let router: CorrelationRouter
    public private(set) var watermark: Watermark
    private let shards: [CorrelationShard]
    private let merger: CorrelationMerger
    /// Batches ingested since the last step, each with the watermark that stood before it.
    private var queued: [(batch: CorrelationBatch, lateBefore: Timestamp)] = []
    private var routingStats = CorrelationStats()

    public init(ruleSet: CorrelationRuleSet, options: CorrelationOptions = CorrelationOptions()) {
        self.ruleSet = ruleSet
        self.options = options
        router = CorrelationRouter(ruleSet: ruleSet, shards: options.shards)
        watermark = Watermark(lateness: options.lateness)
        shards = (0..<router.shards).map { CorrelationShard(ruleSet: ruleSet, options: options, role: .group($0)) }
        merger = CorrelationMerger(ruleSet: ruleSet, options: options)
    }

    /// Counters of all shards plus late and unroutable detections.
    public var stats: CorrelationStats {
        var total = routingStats
        for shard in shards { total.merge(shard.stats) }
        total.merge(merger.chain.stats)
        return total
    }

    /// Approximate bytes of correlation state.
    public var memoryBytes: Int { shards.reduce(merger.chain.memoryBytes) { $0 + $1.memoryBytes } }

    /// Takes the detections of one batch. A detection older than the watermark as it stood before the
    /// batch is late: counted and skipped. Then the watermark follows `latestEventTime` (the largest
    /// event time of the batch, matched or not; the detections' own times when nil).
    public func ingest(_ detections: [Detection], latestEventTime: Timestamp? = nil) {
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

    /// Takes one batch routed by a ``CorrelationRouter`` with this engine's shard count. Lateness and
    /// the watermark as for detections: inputs older than the watermark as it stood before the batch are
    /// late (counted, skipped), then the watermark follows `latestEventTime`.
    public func ingest(_ batch: CorrelationBatch, latestEventTime: Timestamp) {
        precondition(batch.shards == router.shards, "batch routed for \(batch.shards) shards, engine has \(router.shards)")
        let lateBefore = watermark.current
        routingStats.addRouting(of: batch, lateBefore: lateBefore)
        if !batch.isEmpty { queued.append((batch, lateBefore)) }
        watermark.observe(latestEventTime)
    }

    /// Notes an event time without detections (keeps the watermark moving on quiet rules).
    public func observe(eventTime: Timestamp) {
        watermark.observe(eventTime)
    }

    /// Decides every window that ended before the watermark.
    public func advance() -> [Alert] {
        step(horizon: .distantFuture)
    }

    /// Live input is idle: move the watermark with the wall clock, then advance.
    public func idle(wallClock: Timestamp) -> [Alert] {
        watermark.advance(wallClock: wallClock)
        return advance()
    }

    /// End of finite input: every remaining window is decided (absence windows reaching past the last
    /// event time stay undecided unless ``CorrelationOptions/decideAbsenceBeyondInput``).
    public func finish() -> [Alert] {
        let horizon = options.decideAbsenceBeyondInput ? Timestamp.distantFuture : watermark.maxEventTime
        watermark.finish()
        return step(horizon: horizon)
    }

    private func step(horizon: Timestamp) -> [Alert] {
        var outputs: [CorrelationOutput] = []
        for (index, shard) in shards.enumerated() {
            for (batch, lateBefore) in queued { shard.ingest(batch, list: index, lateBefore: lateBefore) }
            outputs.append(shard.advance(to: watermark.current, horizon: horizon))
        }
        let inputs = queued
        queued.removeAll(keepingCapacity: true)
        return merger.merge(outputs, inputs: inputs, watermark: watermark.current, horizon: horizon)
    }
}
