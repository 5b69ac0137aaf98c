import Benchmark

let benchmarks: @Sendable () -> Void = {
    // Correlate stage benchmarks: filled in by the stage's owner.
}
