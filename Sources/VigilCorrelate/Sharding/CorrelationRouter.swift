import VigilEvent

/// Turns detections into inputs for correlation shards. Stateless and `Sendable`: any thread (for
/// example each detect worker) may route.
public struct CorrelationRouter: Sendable {
    public let ruleSet: CorrelationRuleSet
    /// Number of group shards; inputs of chained correlations go to shard number `shards` (the chain shard).
    public let shards: Int

    public init(ruleSet: CorrelationRuleSet, shards: Int) {
        self.ruleSet = ruleSet
        self.shards = max(1, shards)
    }

    /// The index of the chain shard in ``CorrelationInput/shard``.
    public var chainShard: Int { shards }

    /// Whether any correlation reads this detection rule.
    public func reads(_ rule: RuleID) -> Bool { ruleSet.readers[rule] != nil }

    /// Appends one input per correlation source that reads the detection's rule. Returns how many
    /// sources skipped it because it lacks a group-by field.
    @discardableResult
    public func route(_ detection: Detection, into inputs: inout [CorrelationInput]) -> Int {
        route(detection) { inputs.append($0) }
    }

    /// Appends each input to the array of its shard (`shards + 1` arrays, the last for the chain shard).
    @discardableResult
    public func route(_ detection: Detection, toShards queues: inout [[CorrelationInput]]) -> Int {
        route(detection) { queues[Int($0.shard)].append($0) }
    }

    @inline(__always)
    func route(_ detection: Detection, _ emit: (CorrelationInput) -> Void) -> Int {
        guard let readers = ruleSet.readers[detection.rule] else { return 0 }
        var missing = 0
        var values: [String] = []
        for reader in readers {
            let plan = ruleSet.plans[reader.rule]
            let source = plan.sources[reader.slot]
            values.removeAll(keepingCapacity: true)
            for symbol in source.groupSymbols {
                guard let value = detection.value(of: symbol) else { break }
                values.append(GroupKey.fold(value))
            }
            guard values.count == source.groupSymbols.count else {
                missing += 1
                continue
            }
            let key = GroupKey.join(values)
            let hash = GroupKey.hash(key)
            var value: String?
            var number = Double.nan
            if let symbol = source.valueSymbol, let raw = detection.value(of: symbol) {
                if ruleSet.rules[reader.rule].type.isNumeric {
                    number = NumericValue.parse(raw) ?? .nan
                } else {
                    value = GroupKey.fold(raw)
                }
            }
            emit(
                CorrelationInput(
                    rule: Int32(reader.rule), slot: Int32(reader.slot),
                    shard: Int32(plan.isChained ? shards : Int(hash % UInt64(shards))), time: detection.time,
                    source: detection.source, sequence: detection.sequence, event: detection.event, keyHash: hash, key: key,
                    value: value, number: number))
        }
        return missing
    }
}
