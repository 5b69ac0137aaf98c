import Benchmark

let benchmarks: @Sendable () -> Void = {
    // Decode stage benchmarks: filled in by the stage's owner.
}
