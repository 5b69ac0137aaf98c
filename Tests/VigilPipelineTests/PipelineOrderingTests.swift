import Foundation
import Synchronization
import Testing
import VigilEvent
import VigilIngest

@testable import VigilPipeline

/// A worker stage that takes a pseudo-random while per batch, so workers finish out of order.
struct JitterStage: BatchStage {
    let name = "jitter"
    func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        usleep(UInt32((result.ticket &* 2_654_435_761) % 400))
        counters.emitted += UInt64(batch.events.count)
        result.output = Array("\(result.source.rawValue):\(result.firstSequence)\n".utf8)
    }
}

/// An ordered stage that records what it saw.
struct RecordingStage: OrderedStage {
    let name = "record"
    var counters = StageCounters(stage: "record")
    var seen: [String] = []
    var finished = false

    mutating func consume(_ result: inout BatchResult) throws {
        counters.received += UInt64(result.eventCount)
        seen.append(String(decoding: result.output, as: UTF8.self))
    }

    mutating func finish() throws { finished = true }
}

@Suite("Pipeline ordering and backpressure")
struct PipelineOrderingTests {
    /// Three sources pushing interleaved from one thread (so the push order is fixed), small ring.
    func run(workers: Int, ringCapacity: Int = 4, batches: Int = 150) throws -> (seen: [String], totals: PipelineTotals) {
        let pipeline = Pipeline(
            configuration: PipelineConfiguration(workers: workers, ringCapacity: ringCapacity, stages: { _ in [JitterStage()] }))
        pipeline.start()
        Thread.detachNewThread {
            var sequences: [UInt64] = [0, 0, 0]
            for i in 0..<batches {
                let source = i % 3
                let lines = Array(repeating: "line", count: 1 + i % 5)
                let bytes = Array(lines.joined(separator: "\n").utf8)
                let messages = (0..<lines.count).map { ByteRange(start: $0 * 5, count: 4) }
                pipeline.submit(
                    RawBatch(
                        source: SourceID(UInt32(source)), firstSequence: sequences[source], receiveTime: Timestamp(seconds: 0),
                        bytes: bytes, messages: messages))
                sequences[source] += UInt64(lines.count)
            }
            pipeline.finishInput()
        }
        var stages: [any OrderedStage] = [RecordingStage()]
        let totals = try pipeline.collect(into: &stages)
        let recorder = stages[0] as! RecordingStage
        #expect(recorder.finished)
        return (recorder.seen, totals)
    }

    @Test("1, 2 and 4 workers give identical ordered output")
    func sameOrderForAnyWorkerCount() throws {
        let one = try run(workers: 1)
        #expect(one.seen.count == 150)
        for workers in [2, 4] {
            let many = try run(workers: workers)
            #expect(many.seen == one.seen)
            #expect(many.totals.events == one.totals.events)
        }
    }

    @Test("per source, batches reach ordered stages by increasing sequence")
    func perSourceOrder() throws {
        let seen = try run(workers: 4).seen
        for source in 0..<3 {
            let sequences = seen.filter { $0.hasPrefix("\(source):") }.map { UInt64($0.dropFirst(2).dropLast())! }
            #expect(sequences == sequences.sorted())
            #expect(sequences.count == 50)
        }
    }

    @Test("counters are merged across workers: one event per message, stage counters summed")
    func countersMerged() throws {
        let (_, totals) = try run(workers: 3)
        let expected = UInt64((0..<150).reduce(0) { $0 + 1 + $1 % 5 })
        #expect(totals.events == expected)
        #expect(totals.batches == 150)
        #expect(totals.workerStages.map(\.stage) == ["jitter"])
        #expect(totals.workerStages[0].received == expected)
        #expect(totals.workerStages[0].emitted == expected)
        #expect(totals.orderedStages[0].received == expected)
    }

    @Test("a full ring refuses trySubmit; submit waits until a worker takes a batch")
    func backpressure() throws {
        let pipeline = Pipeline(configuration: PipelineConfiguration(workers: 1, ringCapacity: 2))
        let batch = RawBatch(
            source: SourceID(0), firstSequence: 0, receiveTime: Timestamp(seconds: 0), bytes: [65], messages: [ByteRange(start: 0, end: 1)])
        #expect(pipeline.trySubmit(batch))
        #expect(pipeline.trySubmit(batch))
        #expect(!pipeline.trySubmit(batch))
        let submitted = Atomic<Bool>(false)
        Thread.detachNewThread {
            pipeline.submit(batch)
            submitted.store(true, ordering: .releasing)
            pipeline.finishInput()
        }
        usleep(20_000)
        let submittedEarly = submitted.load(ordering: .acquiring)
        #expect(!submittedEarly)
        pipeline.start()
        var stages: [any OrderedStage] = []
        let totals = try pipeline.collect(into: &stages)
        let submittedLate = submitted.load(ordering: .acquiring)
        #expect(submittedLate)
        #expect(totals.events == 3)
    }
}
