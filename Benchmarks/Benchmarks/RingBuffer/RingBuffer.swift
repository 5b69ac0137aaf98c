import Benchmark
import Foundation
import VigilEvent
import VigilPipeline

/// Ring-buffer handoff: the cost the pipeline pays per batch between readers and workers.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .mega,
        maxDuration: .seconds(2)
    )

    Benchmark("BoundedRing push+pop, one thread") { benchmark in
        let ring = BoundedRing<Int>(capacity: 1024)
        for i in benchmark.scaledIterations {
            _ = ring.tryPush(i)
            blackHole(ring.tryPop())
        }
    }

    Benchmark("BoundedRing handoff, 1 producer thread -> 1 consumer thread") { benchmark in
        handoff(items: benchmark.scaledIterations.count, producers: 1, consumers: 1, benchmark: benchmark)
    }

    Benchmark("BoundedRing handoff, 2 producer threads -> 2 consumer threads") { benchmark in
        handoff(items: benchmark.scaledIterations.count, producers: 2, consumers: 2, benchmark: benchmark)
    }

    Benchmark("ReorderBuffer put+take in order, one thread") { benchmark in
        let buffer = ReorderBuffer<Int>(capacity: 1024)
        for i in benchmark.scaledIterations {
            buffer.put(i, ticket: UInt64(i))
            blackHole(buffer.tryTake(ticket: UInt64(i)))
        }
    }

    Benchmark(
        "RawBatch handoff (1 MiB batches), 1 reader -> 2 workers",
        configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .kilo)
    ) { benchmark in
        let ring = BoundedRing<RawBatch>(capacity: 64)
        let batch = RawBatch(
            source: SourceID(0), firstSequence: 0, receiveTime: Timestamp(seconds: 0),
            bytes: [UInt8](repeating: 65, count: 1 << 20), messages: [ByteRange(start: 0, end: 1 << 20)])
        let count = benchmark.scaledIterations.count
        let done = DispatchGroup()
        benchmark.startMeasurement()
        for _ in 0..<2 {
            done.enter()
            Thread.detachNewThread {
                while let item = ring.pop() { blackHole(item.element.bytes.count) }
                done.leave()
            }
        }
        for _ in 0..<count { ring.push(batch) }
        ring.close()
        done.wait()
        benchmark.stopMeasurement()
    }
}

/// Moves `items` integers from `producers` threads to `consumers` threads through one ring.
func handoff(items: Int, producers: Int, consumers: Int, benchmark: Benchmark) {
    let ring = BoundedRing<Int>(capacity: 1024)
    let done = DispatchGroup()
    let producersLeft = DispatchGroup()
    benchmark.startMeasurement()
    for p in 0..<producers {
        producersLeft.enter()
        Thread.detachNewThread {
            var i = p
            while i < items {
                ring.push(i)
                i += producers
            }
            producersLeft.leave()
        }
    }
    for _ in 0..<consumers {
        done.enter()
        Thread.detachNewThread {
            while let item = ring.pop() { blackHole(item.element) }
            done.leave()
        }
    }
    producersLeft.wait()
    ring.close()
    done.wait()
    benchmark.stopMeasurement()
}
