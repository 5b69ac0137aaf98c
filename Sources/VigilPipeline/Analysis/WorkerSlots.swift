import Synchronization

/// One worker's instance of a stage's state (a `DecoderWorker`, a `Detector`), kept in a class so that
/// the run can read every worker's counters once the workers have ended.
///
/// `@unchecked Sendable`: the value is touched only by the worker thread that made the slot while the
/// pipeline runs, and read by the collector only after ``Pipeline`` waited for every worker (the
/// Dispatch group wait orders those accesses).
final class WorkerSlot<Value>: @unchecked Sendable {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }
}

/// The slots of all workers of one stage.
final class WorkerSlots<Value>: Sendable {
    private let slots = Mutex<[WorkerSlot<Value>]>([])

    init() {}

    /// Makes and registers a worker's slot (called by the stage factory, on the worker's thread).
    func make(_ value: Value) -> WorkerSlot<Value> {
        let slot = WorkerSlot(value)
        slots.withLock { $0.append(slot) }
        return slot
    }

    /// Every worker's value; call only after the workers ended.
    func values() -> [Value] {
        slots.withLock { $0.map(\.value) }
    }
}
