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
    private var queued: [[CorrelationInput]]
    private var routingStats = CorrelationStats()

    public init(ruleSet: CorrelationRuleSet, options: CorrelationOptions = CorrelationOptions()) {
        self.ruleSet = ruleSet
        self.options = options
        router = CorrelationRouter(ruleSet: ruleSet, shards: options.shards)
        watermark = Watermark(lateness: options.lateness)
        shards = (0..<router.shards).map { CorrelationShard(ruleSet: ruleSet, options: options, role: .group($0)) }
        merger = CorrelationMerger(ruleSet: ruleSet, options: options)
        queued = Array(repeating: [], count: router.shards + 1)
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
        var latest = latestEventTime ?? .distantPast
        // Read detections in place: iterating by value would retain and release each one's strings.
        detections.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                let time = buffer[index].time
                if latestEventTime == nil, time > latest { latest = time }
                guard router.reads(buffer[index].rule) else { continue }
                if watermark.isLate(time) {
                    routingStats.late += 1
                    continue
                }
                routingStats.missingGroupKey += router.route(buffer[index], toShards: &queued)
            }
        }
        watermark.observe(latest)
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
            shard.ingest(contentsOf: queued[index])
            queued[index].removeAll(keepingCapacity: true)
            outputs.append(shard.advance(to: watermark.current, horizon: horizon))
        }
        let chainInputs = queued[router.shards]
        queued[router.shards].removeAll(keepingCapacity: true)
        return merger.merge(outputs, chainInputs: chainInputs, watermark: watermark.current, horizon: horizon)
    }
}
