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
    private var intake: CorrelationIntake
    private let shards: [CorrelationShard]
    private let merger: CorrelationMerger

    /// An engine, starting from `restored` state when given (a restart: see ``snapshot()``).
    public init(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions = CorrelationOptions(), restoring restored: RestoredCorrelation? = nil
    ) {
        self.ruleSet = ruleSet
        self.options = options
        intake = CorrelationIntake(ruleSet: ruleSet, options: options)
        shards = (0..<intake.router.shards).map { CorrelationShard(ruleSet: ruleSet, options: options, role: .group($0)) }
        merger = CorrelationMerger(ruleSet: ruleSet, options: options)
        if let restored {
            intake.restore(restored)
            for shard in shards { shard.restore(restored) }
            merger.chain.restore(restored)
        }
    }

    /// Routes detections for this engine's shard count (``CorrelationBatch``es for ``ingest(_:latestEventTime:)``).
    public var router: CorrelationRouter { intake.router }

    /// Event-time progress.
    public var watermark: Watermark { intake.watermark }

    /// Counters of all shards plus late and unroutable detections.
    public var stats: CorrelationStats {
        var total = intake.stats
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
        intake.ingest(detections, latestEventTime: latestEventTime)
    }

    /// Takes one batch routed by a ``CorrelationRouter`` with this engine's shard count. Lateness and
    /// the watermark as for detections: inputs older than the watermark as it stood before the batch are
    /// late (counted, skipped), then the watermark follows `latestEventTime`.
    public func ingest(_ batch: CorrelationBatch, latestEventTime: Timestamp) {
        intake.ingest(batch, latestEventTime: latestEventTime)
    }

    /// Notes an event time without detections (keeps the watermark moving on quiet rules).
    public func observe(eventTime: Timestamp) {
        intake.observe(eventTime: eventTime)
    }

    /// Decides every window that ended before the watermark.
    public func advance() -> [Alert] {
        step(horizon: .distantFuture)
    }

    /// Live input is idle: move the watermark with the wall clock, then advance.
    public func idle(wallClock: Timestamp) -> [Alert] {
        intake.advance(wallClock: wallClock)
        return advance()
    }

    /// End of finite input: every remaining window is decided (absence windows reaching past the last
    /// event time stay undecided unless ``CorrelationOptions/decideAbsenceBeyondInput``).
    public func finish() -> [Alert] {
        step(horizon: intake.finish(decideAbsenceBeyondInput: options.decideAbsenceBeyondInput))
    }

    /// The state now, as a state file: open windows, waiting inputs, episodes, timers, the evidence
    /// they name and the watermark, without deciding anything (docs/correlation.md, "Restarts"). Batches
    /// ingested since the last step are taken in first. The engine can go on afterwards.
    public func snapshot() -> CorrelationSnapshot {
        let inputs = intake.takeQueued()
        let definitions = RuleDefinition.all(ruleSet.rules)
        var sections: [[UInt8]] = []
        for (index, shard) in shards.enumerated() {
            for (batch, lateBefore) in inputs { shard.ingest(batch, list: index, lateBefore: lateBefore) }
            sections.append(shard.snapshotSection(definitions: definitions))
        }
        for (batch, lateBefore) in inputs { merger.chain.ingest(batch, list: batch.shards, lateBefore: lateBefore) }
        sections.append(merger.chain.snapshotSection(definitions: definitions))
        return CorrelationSnapshot(emit: options.emit, watermark: intake.watermark, groupShards: shards.count, sections: sections)
    }

    private func step(horizon: Timestamp) -> [Alert] {
        let inputs = intake.takeQueued()
        let watermark = intake.watermark.current
        var outputs: [CorrelationOutput] = []
        for (index, shard) in shards.enumerated() {
            for (batch, lateBefore) in inputs { shard.ingest(batch, list: index, lateBefore: lateBefore) }
            outputs.append(shard.advance(to: watermark, horizon: horizon))
        }
        return merger.merge(outputs, inputs: inputs, watermark: watermark, horizon: horizon)
    }
}
