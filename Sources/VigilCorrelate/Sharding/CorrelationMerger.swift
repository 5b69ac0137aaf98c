import VigilAlert
import VigilEvent

/// Joins the outputs of the group shards for one watermark step: runs the chain shard on their chained
/// windows and returns all alerts in a deterministic order.
///
/// Owned by one thread (the one that collects shard outputs).
public final class CorrelationMerger: @unchecked Sendable {
    public let chain: CorrelationShard

    public init(ruleSet: CorrelationRuleSet, options: CorrelationOptions) {
        chain = CorrelationShard(ruleSet: ruleSet, options: options, role: .chain)
    }

    /// Combines one step: `outputs` are the group shards' results of `advance(to: watermark)`,
    /// `inputs` the batches ingested since the previous step (their chain-shard lists are read here),
    /// each with the time before which its inputs were late.
    public func merge(
        _ outputs: [CorrelationOutput], inputs: [(batch: CorrelationBatch, lateBefore: Timestamp)], watermark: Timestamp,
        horizon: Timestamp = .distantFuture
    ) -> [Alert] {
        for (batch, lateBefore) in inputs { chain.ingest(batch, list: batch.shards, lateBefore: lateBefore) }
        var alerts: [Alert] = []
        for output in outputs {
            chain.ingest(output.chained, list: output.chained.shards)
            alerts += output.alerts
        }
        alerts += chain.advance(to: watermark, horizon: horizon).alerts
        alerts.sort(by: Alert.precedes)
        return alerts
    }
}
