import Foundation
import VigilEvent
import VigilIngest

/// Makes readers of several regular files hand over their batches in turn — a batch of the first file,
/// one of the second, …, again the first — so that the pipeline sees the same sequence of batches in
/// every run, and a replay of several files gives the same alerts in the same order. A reader that
/// reaches its end leaves the rotation at its turn too (its end moves the watermark).
///
/// Only files take part: their reads return what was asked for, so a reader never holds the turn while
/// waiting for data. Pipes and stdin read freely.
final class ReaderTurns: @unchecked Sendable {
    // @unchecked: `turn` and `active` are read and written under `condition`'s lock only.
    private let condition = NSCondition()
    private var turn: Int
    private var active: [Bool]

    init(readers: Int) {
        turn = readers > 0 ? 0 : -1
        active = [Bool](repeating: true, count: readers)
    }

    /// Runs `body` at `reader`'s turn, then passes the turn on.
    func inTurn<R>(_ reader: Int, _ body: () throws -> R) rethrows -> R {
        waitForTurn(reader)
        defer { pass(from: reader, leaving: false) }
        return try body()
    }

    /// Runs `body` at `reader`'s turn, then takes `reader` out of the rotation.
    func leave(_ reader: Int, _ body: () -> Void) {
        waitForTurn(reader)
        body()
        pass(from: reader, leaving: true)
    }

    /// Waits until it is `reader`'s turn.
    func waitForTurn(_ reader: Int) {
        condition.lock()
        while turn != reader { condition.wait() }
        condition.unlock()
    }

    /// Passes the turn from `reader` to the next reader still in the rotation (and takes `reader` out
    /// of it when `leaving`).
    func pass(from reader: Int, leaving: Bool = false) {
        condition.lock()
        if leaving { active[reader] = false }
        turn = -1
        for step in 1...active.count {
            let next = (reader + step) % active.count
            if active[next] {
                turn = next
                break
            }
        }
        condition.broadcast()
        condition.unlock()
    }
}

/// The pipeline as one reader in a ``ReaderTurns`` rotation sees it.
struct TurnTakingSink<Inner: BatchSink>: BatchSink {
    let inner: Inner
    let turns: ReaderTurns
    let reader: Int

    func submit(_ batch: RawBatch) {
        turns.inTurn(reader) { inner.submit(batch) }
    }

    /// Keeps the turn when the pipeline is full: the batch must still go before the next reader's.
    func trySubmit(_ batch: RawBatch) -> Bool {
        turns.waitForTurn(reader)
        let accepted = inner.trySubmit(batch)
        if accepted { turns.pass(from: reader) }
        return accepted
    }
}
