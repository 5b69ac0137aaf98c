import Benchmark

let benchmarks: @Sendable () -> Void = {
    // Detect stage benchmarks: filled in by the stage's owner.
}
