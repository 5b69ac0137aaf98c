import Foundation
import Synchronization
import Testing
import VigilEvent
import VigilIngest

@testable import VigilPipeline

/// Readers of several files hand over batches in turn, whatever their threads' timing.
@Suite("ReaderTurns")
struct ReaderTurnsTests {
    /// Records the order batches arrive in (by source), and the ends.
    final class Recorder: BatchSink, @unchecked Sendable {
        let log = Mutex<[String]>([])
        func submit(_ batch: RawBatch) { log.withLock { $0.append("\(batch.source.rawValue)") } }
        func trySubmit(_ batch: RawBatch) -> Bool {
            submit(batch)
            return true
        }
        func note(_ text: String) { log.withLock { $0.append(text) } }
    }

    static func batch(_ source: UInt32) -> RawBatch {
        RawBatch(source: SourceID(source), firstSequence: 0, receiveTime: Timestamp(nanoseconds: 0), bytes: [], messages: [])
    }

    @Test("three readers of 3, 1 and 2 batches: round robin, each end at its turn, every run")
    func roundRobin() {
        let counts = [3, 1, 2]
        let expected = ["0", "1", "2", "0", "end 1", "2", "0", "end 2", "end 0"]
        for _ in 0..<20 {
            let recorder = Recorder()
            let turns = ReaderTurns(readers: counts.count)
            let done = DispatchGroup()
            // Threads of their own, as the pipeline's readers have: a reader blocks while it waits.
            for reader in counts.indices.reversed() {
                done.enter()
                Thread.detachNewThread {
                    let sink = TurnTakingSink(inner: recorder, turns: turns, reader: reader)
                    for _ in 0..<counts[reader] {
                        if Bool.random() { usleep(UInt32.random(in: 0..<300)) }
                        sink.submit(Self.batch(UInt32(reader)))
                    }
                    turns.leave(reader) { recorder.note("end \(reader)") }
                    done.leave()
                }
            }
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(recorder.log.withLock { $0 } == expected)
        }
    }
}
