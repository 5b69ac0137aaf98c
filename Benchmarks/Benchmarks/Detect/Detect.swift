import Benchmark
import VigilDetect
import VigilEvent

// Detect stage: Sigma detection per event on gen-authlog events (syslog, no decoders).
// One iteration matches one batch of 1,000 events: divide the time per iteration by 1,000 for the
// cost per event. Run: cd Benchmarks && swift package benchmark --target Detect --no-progress
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 100_000)

    // Compiling 1,000 rules takes about a second here; the longer budget leaves time for samples.
    func detectBenchmark(_ name: String, seconds: Int = 3, _ ruleSet: @escaping @Sendable () -> SigmaRuleSet) {
        Benchmark(name, configuration: .init(maxDuration: .seconds(seconds))) { benchmark in
            var detector = Detector(ruleSet: ruleSet())
            let batches = DetectFixtures.batches
            var detections: [Detection] = []
            detections.reserveCapacity(1000)
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                detections.removeAll(keepingCapacity: true)
                detector.detect(batches[iteration % batches.count], into: &detections)
                blackHole(detections.count)
            }
        }
    }

    detectBenchmark("Detect/subset (66 rules)/1000 events") { DetectFixtures.ruleSet(paths: [DetectFixtures.subsetPath]) }
    detectBenchmark("Detect/subset, no prefilter/1000 events") {
        DetectFixtures.ruleSet(paths: [DetectFixtures.subsetPath], prefilter: false)
    }
    detectBenchmark("Detect/no rules/1000 events") { DetectFixtures.ruleSet(paths: []) }
    for count in [10, 100, 1000] {
        detectBenchmark("Detect/\(count) linux variants/1000 events", seconds: count >= 1000 ? 30 : 3) {
            DetectFixtures.ruleSet(paths: [DetectFixtures.variantsDirectory(count: count)])
        }
    }
}
