import VigilEvent

/// A stage that works on one batch at a time on the parse workers, after parsing: decode, detect, or
/// rendering output.
///
/// Each worker owns its own instance (made by a ``BatchStageFactory`` on that worker's thread), so a
/// stage keeps per-thread scratch state (a `RegexScratch`, a `SymbolCache`, output buffers) without
/// locks. Batches reach workers in no particular order, so a stage must not carry state from one batch
/// to the next that changes its results: order-dependent work belongs in an ``OrderedStage``.
public protocol BatchStage {
    /// The stage's name in stats (`decode`, `detect`, `render`).
    var name: String { get }

    /// Processes one parsed batch: may refine events and fields in `batch` (appending derived bytes and
    /// fields), add detections or output to `result`, and count into `counters`.
    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters)
}

/// Makes the worker stages of one worker, in the order they run. Called once per worker, on the
/// worker's own thread, before its first batch.
public typealias BatchStageFactory = @Sendable (_ worker: Int) -> [any BatchStage]
