import VigilEvent

extension Detector {
    /// Like ``detect(_:into:)``, but leaves each detection's `event` empty and appends the index of its
    /// event in `batch` to `eventIndices` (one per detection).
    ///
    /// For callers that render only some events (those whose detections alert or travel on), with
    /// ``renderEvent(_:of:)``.
    public mutating func detectDeferringEvents(_ batch: EventBatch, into detections: inout [Detection], eventIndices: inout [Int32]) {
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            batch.events.withUnsafeBufferPointer { events in
                for index in events.indices {
                    matchEvent(events.baseAddress! + index, in: batch)
                    if matched.isEmpty { continue }
                    let event = events.baseAddress! + index
                    for k in matched.indices {
                        let rule = matched[k]
                        detections.append(
                            Detection(
                                rule: RuleID(UInt32(rule)), time: event.pointee.time, source: event.pointee.source,
                                sequence: event.pointee.sequence, values: carriedValues(of: Int(rule)), event: ""))
                        eventIndices.append(Int32(index))
                    }
                }
            }
            values.batchBase = nil
        }
    }

    /// The normalized JSON of event `index` of `batch`, as ``detect(_:into:)`` puts in ``Detection/event``.
    public mutating func renderEvent(_ index: Int, of batch: EventBatch) -> String {
        jsonBuffer.removeAll(keepingCapacity: true)
        batch.events.withUnsafeBufferPointer { renderer.append($0[index], of: batch, to: &jsonBuffer) }
        return String(decoding: jsonBuffer, as: UTF8.self)
    }
}
