import VigilEvent

/// Worker stage of `vigil parse`: renders every event as one normalized JSON line into the batch
/// result's output, so rendering runs in parallel and the writer only copies bytes in order.
public struct JSONLineRenderer: BatchStage {
    public let name = "render"
    private var renderer = EventJSONRenderer()

    public init() {}

    public mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        result.output.reserveCapacity(batch.bytes.count * 3 + batch.events.count * 160)
        for event in batch.events {
            renderer.append(event, of: batch, to: &result.output)
            result.output.append(0x0A)
        }
        counters.emitted += UInt64(batch.events.count)
    }
}
