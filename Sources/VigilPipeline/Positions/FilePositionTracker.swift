import Synchronization
import VigilEvent
import VigilIngest

/// Where each followed file was read up to, batch by batch, until the batch was processed.
///
/// A reader records a batch's position (``FollowedFile/position`` less the bytes held back for the next
/// batch) just before handing it on; ``FilePositionStage``, the last ordered stage, takes it once every
/// stage has consumed that batch. So a saved position never runs ahead of what was processed: after a
/// clean stop a restart repeats nothing, after a crash it may repeat what was read but not processed,
/// never skip it.
public final class FilePositionBook: Sendable {
    struct Entry {
        var firstSequence: UInt64
        var position: FilePosition
    }

    private struct State {
        var paths: [SourceID: String] = [:]
        var waiting: [SourceID: [Entry]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Registers a followed file's source.
    public func follow(_ source: SourceID, path: String) {
        state.withLock { $0.paths[source] = path }
    }

    /// Records where `source` will be once the batch starting at `firstSequence` is processed.
    public func record(_ source: SourceID, firstSequence: UInt64, position: FilePosition) {
        state.withLock { $0.waiting[source, default: []].append(Entry(firstSequence: firstSequence, position: position)) }
    }

    /// The position reached once the batch of `source` starting at `firstSequence` was processed (nil
    /// for sources not followed). Entries of earlier batches are dropped with it: the book holds at most
    /// the batches in flight.
    func processed(_ source: SourceID, firstSequence: UInt64) -> (path: String, position: FilePosition)? {
        state.withLock { state in
            guard let path = state.paths[source], var entries = state.waiting[source] else { return nil }
            var reached: FilePosition? = nil
            var taken = 0
            while taken < entries.count && entries[taken].firstSequence <= firstSequence {
                reached = entries[taken].position
                taken += 1
            }
            entries.removeFirst(taken)
            state.waiting[source] = entries
            return reached.map { (path, $0) }
        }
    }
}

/// The last ordered stage of a `--follow` run: moves each followed file's saved position on as its
/// batches are processed, and writes the positions to the state directory at most once a second and
/// at the end.
struct FilePositionStage: OrderedStage {
    let name = "positions"
    private(set) var counters = StageCounters(stage: "positions")
    private let book: FilePositionBook
    private let store: FilePositionStore
    private var positions: [String: FilePosition]
    private var changed = false
    private var lastSave = ContinuousClock.now
    private var failedSaves = 0
    private let onFailure: @Sendable (RunError) -> Void

    init(
        book: FilePositionBook, store: FilePositionStore, saved: [String: FilePosition],
        onFailure: @escaping @Sendable (RunError) -> Void
    ) {
        self.book = book
        self.store = store
        self.positions = saved
        self.onFailure = onFailure
    }

    mutating func consume(_ result: inout BatchResult) throws {
        guard let (path, position) = book.processed(result.source, firstSequence: result.firstSequence) else { return }
        positions[path] = position
        changed = true
        saveIfDue()
    }

    mutating func idle(now: Timestamp) throws {
        saveIfDue()
    }

    mutating func finish() throws {
        if changed { save() }
    }

    private mutating func saveIfDue() {
        guard changed, ContinuousClock.now - lastSave >= .seconds(1) else { return }
        save()
    }

    private mutating func save() {
        lastSave = ContinuousClock.now
        changed = false
        do throws(RunError) {
            try store.save(positions)
            counters.emitted &+= 1
            failedSaves = 0
        } catch {
            // Reading goes on: a state directory that cannot be written costs the positions, not the
            // alerts. Said once per streak of failures.
            failedSaves += 1
            if failedSaves == 1 { onFailure(error) }
        }
    }
}
