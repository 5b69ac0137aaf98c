import Benchmark

let benchmarks: @Sendable () -> Void = {
    // Parse stage benchmarks: filled in by the stage's owner.
}
