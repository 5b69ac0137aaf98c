import VigilDecode
import VigilEvent

/// Worker stage that runs the decoders over every parsed event (fills `decoder` and `decodedFields`).
struct DecodeStage: BatchStage {
    let name = "decode"
    private let slot: WorkerSlot<DecoderWorker>

    init(slot: WorkerSlot<DecoderWorker>) {
        self.slot = slot
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        // Held for the batch: a summary asked for while the run goes on reads the counters between batches.
        slot.lock()
        defer { slot.unlock() }
        let before = slot.value.decodedCount
        slot.value.decode(&batch)
        counters.emitted += slot.value.decodedCount - before
    }
}
