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
    /// `chainInputs` the inputs routed to the chain shard since the previous step.
    public func merge(
        _ outputs: [CorrelationOutput], chainInputs: [CorrelationInput], watermark: Timestamp, horizon: Timestamp = .distantFuture
    ) -> [Alert] {
        chain.ingest(contentsOf: chainInputs)
        var alerts: [Alert] = []
        for output in outputs {
            chain.ingest(contentsOf: output.chained)
            alerts += output.alerts
        }
        alerts += chain.advance(to: watermark, horizon: horizon).alerts
        alerts.sort(by: Alert.precedes)
        return alerts
    }
}
