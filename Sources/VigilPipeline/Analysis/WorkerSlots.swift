import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One worker's instance of a stage's state (a `DecoderWorker`, a `Detector`), kept in a class so that
/// the run can read every worker's counters, at the end and while it runs (a summary on SIGUSR1).
///
/// `@unchecked Sendable`: the value is touched by the worker thread that made the slot while it holds
/// the slot's lock (one lock and unlock per batch, never contended but by a reader), and read by others
/// only under the same lock, so a reader sees the counters between two batches.
final class WorkerSlot<Value>: @unchecked Sendable {
    var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Taken by the worker around each batch (`lock(); defer { unlock() }`).
    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// Reads the value between two batches.
    func read<Result>(_ body: (Value) -> Result) -> Result {
        lock()
        defer { unlock() }
        return body(value)
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

    /// What `body` reads of every worker's value, each between two of its batches: safe while the
    /// workers run.
    func read<Result>(_ body: (Value) -> Result) -> [Result] {
        let all = slots.withLock { $0 }
        return all.map { $0.read(body) }
    }
}
