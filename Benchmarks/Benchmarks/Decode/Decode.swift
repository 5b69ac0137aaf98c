import Benchmark
import Foundation
import VigilDecode
import VigilEvent

// Decode stage: all shipped decoders (rules/decoders) on gen-authlog output, parsed beforehand.
// Each iteration decodes one batch of 1,000 events, so the reported time per iteration in µs is the
// average cost per event in ns.
let benchmarks: @Sendable () -> Void = {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let decoders: DecoderSet
    do {
        decoders = try DecoderSet.load(paths: [repository.appendingPathComponent("rules/decoders").path]).decoders
    } catch {
        fatalError("\(error)")
    }
    let lines = AuthLog.generate(repository: repository, count: 100_000)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 100_000)

    func register(_ name: String, _ selected: [[UInt8]]) {
        let batches = AuthLog.batches(selected, size: 1_000)
        Benchmark("Decode \(name), 1000 events (µs/batch = ns/event)", configuration: configuration) { benchmark in
            var worker = DecoderWorker(decoders: decoders)
            var pool = batches
            var next = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let fieldCount = batches[next].fields.count
                let byteCount = batches[next].bytes.count
                worker.decode(&pool[next])
                blackHole(pool[next].fields.count)
                // Undo what decoding appended so the next round decodes the same input.
                pool[next].fields.removeSubrange(fieldCount...)
                pool[next].bytes.removeSubrange(byteCount...)
                next = (next + 1) % pool.count
            }
        }
    }

    register("gen-authlog mix", lines)
    register("sshd lines", lines.filter { AuthLog.program(of: $0) == "sshd" })
    register("kernel UFW lines", lines.filter { AuthLog.program(of: $0) == "kernel" })
    register("lines no decoder wants", lines.filter { ["systemd", "dbus-daemon", "chronyd"].contains(AuthLog.program(of: $0)) })
}
