import Foundation
import Logging
import VigilEvent

/// The archive writer: a thread of its own behind a bounded queue (docs/archive.md).
///
/// The pipeline's collector hands over batches and control records with the `append` methods, which
/// return at once while the queue has room and wait when it is full: a slow disk slows the pipeline
/// (the time waited is counted in ``ArchiveCounters/waitedNanoseconds``), it never drops a message.
/// Encoding, compression, checksums and writes all happen on the writer thread.
///
/// Blocks are written when their raw payload passes ``ArchiveOptions/blockSize`` or when
/// ``ArchiveOptions/flushInterval`` passed with records pending. The open segment is sealed when it
/// passes ``ArchiveOptions/segmentSize`` or ``ArchiveOptions/segmentAge``, and at ``finish()``.
///
/// A write that fails (a full disk: ENOSPC, an I/O error) is logged once, naming the directory, and
/// repeated every second at the same offset, so nothing written before is touched; meanwhile the queue
/// fills and intake waits.
///
/// Call ``finish()`` before letting go of a writer: it seals the open segment and stops the thread (a
/// writer never finished leaves its segment open, as a crash would; the next open recovers it).
public final class ArchiveWriter: Sendable {
    /// The queue and counters shared by the callers and the writer thread.
    private final class Shared: @unchecked Sendable {
        // Everything below is read and written only with `condition` locked.
        let condition = NSCondition()
        /// Taken items are set to nil at once, so that a batch's bytes are freed when it is written.
        var items: [Item?] = []
        var head = 0
        var finishing = false
        /// Test hook: stop as a crash would, leaving the open segment unsealed.
        var abandoning = false
        var done = false
        var engineCounters = ArchiveCounters()
        var waitedNanoseconds: UInt64 = 0
        var droppedAfterFinish = 0
        var count: Int { items.count - head }
    }

    private enum Item: @unchecked Sendable {

        // The batch moves to the writer thread, which is its only user from then on.
        case batch(ArchiveBatch)
        case control(ArchiveControlRecord)
    }

    public let directory: String
    /// What opening found: the torn end of a segment a crash left, cut off.
    public let recovery: ArchiveRecovery
    /// The archive sequence the first message appended from now on gets; messages are numbered densely
    /// in the order appended, so the pipeline knows each message's number as it hands it over.
    public let firstSequence: UInt64
    private let shared = Shared()
    private let capacity: Int
    private let logger: Logger

    /// Opens (creating when needed) the archive in `directory`, recovers what a crash left (see
    /// docs/archive.md) and starts the writer thread.
    ///
    /// - Throws: ``ArchiveError`` naming the path and what is wrong (a directory that cannot be made, a
    ///   chain file with a line that is not a record, an unreadable key file).
    public static func open(directory: String, options: ArchiveOptions, logger: Logger? = nil) throws -> ArchiveWriter {
        try ArchiveWriter(directory: directory, options: options, logger: logger ?? Logger(label: "vigil.archive"), faults: nil)
    }

    init(directory: String, options: ArchiveOptions, logger: Logger, faults: ArchiveWriteFaults?) throws(ArchiveError) {
        let directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.directory = directory
        self.logger = logger
        capacity = max(1, options.queueBatches)
        let key = try options.keyFile.map { (path) throws(ArchiveError) in try ArchiveChain.key(path: path) }
        let engine = WriterEngine(directory: directory, options: options, logger: logger, key: key, faults: faults)
        try engine.openArchive()
        recovery = engine.recovery
        firstSequence = engine.encoder.nextSequence
        shared.engineCounters = engine.counters
        let shared = shared
        let thread = Thread { Self.run(engine: engine, shared: shared) }
        thread.name = "vigil-archive"
        thread.start()
    }

    /// Hands a batch to the writer thread; waits while the queue is full.
    public func append(_ batch: consuming ArchiveBatch) {
        enqueue(.batch(batch))
    }

    /// Hands a control record to the writer thread, in order with the batches.
    public func append(_ record: ArchiveControlRecord) {
        enqueue(.control(record))
    }

    private func enqueue(_ item: Item) {
        let shared = shared
        shared.condition.lock()
        defer { shared.condition.unlock() }
        if shared.finishing {
            shared.droppedAfterFinish += 1
            if shared.droppedAfterFinish == 1 { logger.error("archive \(directory): record appended after finish() was not archived") }
            return
        }
        if shared.count >= capacity {
            let start = DispatchTime.now().uptimeNanoseconds
            while shared.count >= capacity && !shared.finishing { shared.condition.wait() }
            shared.waitedNanoseconds += DispatchTime.now().uptimeNanoseconds - start
            if shared.finishing {
                shared.droppedAfterFinish += 1
                logger.error("archive \(directory): a record waiting for room when finish() was called was not archived")
                return
            }
        }
        shared.items.append(item)
        shared.condition.broadcast()
    }

    /// Writes everything queued and the open block, seals the open segment (footer, index, chain record)
    /// and stops the writer thread. Appending afterwards archives nothing.
    public func finish() throws {
        let shared = shared
        shared.condition.lock()
        defer { shared.condition.unlock() }
        shared.finishing = true
        shared.condition.broadcast()
        while !shared.done { shared.condition.wait() }
    }

    /// Test hook: writes what is queued and the pending block, then stops without sealing, leaving the
    /// archive as a crash after the last write would.
    func abandonForTesting() {
        let shared = shared
        shared.condition.lock()
        defer { shared.condition.unlock() }
        shared.finishing = true
        shared.abandoning = true
        shared.condition.broadcast()
        while !shared.done { shared.condition.wait() }
    }

    /// What the writer did so far.
    public var counters: ArchiveCounters {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        var counters = shared.engineCounters
        counters.waitedNanoseconds = shared.waitedNanoseconds
        return counters
    }

    private static func run(engine: WriterEngine, shared: Shared) {
        while true {
            shared.condition.lock()
            while shared.count == 0 && !shared.finishing {
                guard let deadline = engine.nextDeadline else {
                    shared.condition.wait()
                    continue
                }
                if archiveNow() >= deadline { break }
                _ = shared.condition.wait(until: Date(timeIntervalSince1970: Double(deadline) / 1e9))
            }
            var item: Item?
            if shared.count > 0 {
                item = shared.items[shared.head]
                shared.items[shared.head] = nil
                shared.head += 1
                // Compact now and then rather than shifting the array on every take.
                if shared.head >= 64 && shared.head * 2 >= shared.items.count {
                    shared.items.removeFirst(shared.head)
                    shared.head = 0
                }
            }
            let finishing = shared.finishing
            let abandoning = shared.abandoning
            shared.condition.broadcast()
            shared.condition.unlock()

            let stopping = finishing && item == nil
            switch item {
            case .batch(let batch): engine.append(batch)
            case .control(let record): engine.append(record)
            case nil: break
            }
            engine.runTimers(now: archiveNow())
            if stopping {
                if abandoning { engine.abandon() } else { engine.finish() }
            }

            shared.condition.lock()
            shared.engineCounters = engine.counters
            if stopping {
                shared.done = true
                shared.condition.broadcast()
                shared.condition.unlock()
                return
            }
            shared.condition.unlock()
        }
    }
}
