import VigilEvent

/// Turns detections into inputs for correlation shards. Stateless and `Sendable`: any thread (each
/// detect worker, in the pipeline) may route.
///
/// A detection rule's values are addressed by their position in ``CorrelationRuleSet/requiredFields(for:)``.
/// Each (correlation, source) that reads the rule gets one record: its group key (the group-by values,
/// case-folded, joined by ``GroupKey/separator``), the key's hash (which picks the shard) and the
/// measured value.
public struct CorrelationRouter: Sendable {
    public let ruleSet: CorrelationRuleSet
    /// Number of group shards; inputs of chained correlations go to list number `shards` (the chain shard).
    public let shards: Int
    /// Per detection rule (by ``RuleID``), the sources that read it; empty for rules none reads.
    let routes: [[Route]]

    /// One (correlation, source) reading a detection rule.
    struct Route: Sendable {
        var rule: Int32
        var slot: Int32
        var isChained: Bool
        var isNumeric: Bool
        /// Positions in the detection rule's required fields.
        var groupFields: [Int]
        var valueField: Int?
    }

    public init(ruleSet: CorrelationRuleSet, shards: Int) {
        self.ruleSet = ruleSet
        self.shards = max(1, shards)
        let ruleCount = (ruleSet.readers.keys.map { Int($0.rawValue) }.max() ?? -1) + 1
        var routes = [[Route]](repeating: [], count: ruleCount)
        for (detectionRule, readers) in ruleSet.readers {
            let fields = ruleSet.requiredFields(for: detectionRule)
            routes[Int(detectionRule.rawValue)] = readers.map { reader in
                let plan = ruleSet.plans[reader.rule]
                let source = plan.sources[reader.slot]
                return Route(
                    rule: Int32(reader.rule), slot: Int32(reader.slot), isChained: plan.isChained,
                    isNumeric: ruleSet.rules[reader.rule].type.isNumeric,
                    groupFields: source.groupSymbols.map { fields.firstIndex(of: $0)! },
                    valueField: source.valueSymbol.flatMap { fields.firstIndex(of: $0) })
            }
        }
        self.routes = routes
    }

    /// Whether any correlation reads this detection rule.
    public func reads(_ rule: RuleID) -> Bool { Int(rule.rawValue) < routes.count && !routes[Int(rule.rawValue)].isEmpty }

    /// Adds a ``Detection`` (values by name, evidence its event JSON) to `batch`.
    public func route(_ detection: Detection, into batch: inout CorrelationBatch) {
        guard reads(detection.rule) else { return }
        let evidence = batch.addEvidence(json: detection.event)
        let fields = ruleSet.requiredFields(for: detection.rule)
        var texts = fields.map { detection.value(of: $0) }
        route(
            rule: detection.rule, time: detection.time, source: detection.source, sequence: detection.sequence, evidence: evidence,
            into: &batch
        ) { position, body in
            guard texts[position] != nil else { return body(nil) }
            return texts[position]!.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Adds one detection of `rule` to `batch`: one record per correlation source that reads it, or a
    /// count of those left out for lacking a group-by field.
    ///
    /// - Parameters:
    ///   - evidence: the detection's evidence, added to `batch` first (``CorrelationBatch/addEvidence(_:form:receiveTime:)``).
    ///   - values: calls its closure with the bytes of required field number `position` (see
    ///     ``CorrelationRuleSet/requiredFields(for:)``), or nil when the event lacks it.
    public func route(
        rule: RuleID, time: Timestamp, source: SourceID, sequence: UInt64, evidence: Int32, into batch: inout CorrelationBatch,
        values: (_ position: Int, _ body: (UnsafeRawBufferPointer?) -> Void) -> Void
    ) {
        guard reads(rule) else { return }
        batch.detectionTimes.append(time.nanoseconds)
        var previous: (fields: [Int], start: UInt32, count: UInt32, hash: UInt64)? = nil
        for route in routes[Int(rule.rawValue)] {
            var keyStart = UInt32(batch.bytes.count), keyCount: UInt32 = 0, hash: UInt64 = 0
            if let previous, previous.fields == route.groupFields {
                // Two sources grouping by the same fields share the key bytes.
                (keyStart, keyCount, hash) = (previous.start, previous.count, previous.hash)
            } else {
                var complete = true
                for (k, position) in route.groupFields.enumerated() {
                    values(position) { bytes in
                        guard let bytes else {
                            complete = false
                            return
                        }
                        if k > 0 { batch.bytes.append(GroupKey.separatorByte) }
                        if GroupKey.appendBounded(bytes, to: &batch.bytes) { batch.shortenedValues += 1 }
                    }
                    if !complete { break }
                }
                guard complete else {
                    batch.bytes.removeSubrange(Int(keyStart)...)
                    batch.missingTimes.append(time.nanoseconds)
                    continue
                }
                keyCount = UInt32(batch.bytes.count) - keyStart
                hash = batch.withBytes(start: keyStart, count: keyCount, GroupKey.hash)
                previous = (route.groupFields, keyStart, keyCount, hash)
            }
            var valueStart: UInt32 = 0, valueCount = CorrelationBatch.Record.noValue
            var number = Double.nan
            if let field = route.valueField {
                values(field) { bytes in
                    guard let bytes else { return }
                    if route.isNumeric {
                        number = NumericValue.parse(bytes) ?? .nan
                    } else {
                        valueStart = UInt32(batch.bytes.count)
                        if GroupKey.appendBounded(bytes, to: &batch.bytes) { batch.shortenedValues += 1 }
                        valueCount = UInt32(batch.bytes.count) - valueStart
                    }
                }
            }
            let list = route.isChained ? shards : Int(hash % UInt64(shards))
            batch.lists[list].append(
                CorrelationBatch.Record(
                    rule: route.rule, slot: route.slot, time: time.nanoseconds, source: source, evidence: evidence, sequence: sequence,
                    keyHash: hash, number: number, keyStart: keyStart, keyCount: keyCount, valueStart: valueStart,
                    valueCount: valueCount))
        }
    }
}
