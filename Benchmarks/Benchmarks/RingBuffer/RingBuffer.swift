import Benchmark

let benchmarks: @Sendable () -> Void = {
    // RingBuffer stage benchmarks: filled in by the stage's owner.
}
