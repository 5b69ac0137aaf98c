import VigilEvent

extension Detector {
    /// Matches every event of `batch` and calls `body` once per (event, matching rule), in event order,
    /// rules in ``RuleID`` order, with the values the rule carries (``SigmaRuleSet/carriedFields(of:)``
    /// order; nil when the event lacks the field) as bytes.
    ///
    /// Nothing is allocated per detection: the bytes point into the batch or this detector's scratch
    /// and are valid only during the call. For callers that copy what they keep (the pipeline routes
    /// detections to correlation shards right away), instead of ``detect(_:into:)``'s Strings.
    public mutating func detect(
        _ batch: EventBatch, _ body: (_ event: Int, _ rule: RuleID, _ carried: UnsafeBufferPointer<UnsafeRawBufferPointer?>) -> Void
    ) {
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            batch.events.withUnsafeBufferPointer { events in
                for index in events.indices {
                    matchEvent(events.baseAddress! + index, in: batch)
                    for k in 0..<rules.matchedCount {
                        let rule = Int(rules.matched[k])
                        fillCarried(of: rule)
                        carriedScratch.withUnsafeBufferPointer { body(index, RuleID(UInt32(rule)), $0) }
                    }
                }
            }
            values.batchBase = nil
        }
    }

    /// Points `carriedScratch` at the first non-null value of each field `rule` carries.
    mutating func fillCarried(of rule: Int) {
        let carried = compiled[rule].carried
        carriedScratch.removeAll(keepingCapacity: true)
        for field in carried {
            var bytes: UnsafeRawBufferPointer? = nil
            var v = firstHead(ofField: field)
            while v >= 0 {
                if values.values[Int(v)].kind != .null {
                    bytes = values.raw(v)
                    break
                }
                v = values.values[Int(v)].next
            }
            carriedScratch.append(bytes)
        }
    }
}
