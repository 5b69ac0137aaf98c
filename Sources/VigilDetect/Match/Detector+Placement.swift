import VigilEvent

extension Detector {
    /// Places every event of `batch` as detection would, without matching any rule: `routes` gets one
    /// route number per event, in order (its previous contents are dropped). Route numbers index
    /// ``SigmaRuleSet/routeLogsources``.
    ///
    /// What `vigil parse` shows as each event's logsource; nothing is allocated once `routes` has grown.
    public mutating func placeEvents(of batch: EventBatch, into routes: inout [Int32]) {
        routes.removeAll(keepingCapacity: true)
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            batch.events.withUnsafeBufferPointer { events in
                for index in events.indices {
                    // Resets the arena the folded app name and router field values go to.
                    values.begin(slotCount: ruleSet.maximumSlots)
                    routes.append(Int32(truncatingIfNeeded: resolveRoute(events.baseAddress! + index, in: batch)))
                }
            }
            values.batchBase = nil
        }
    }
}
