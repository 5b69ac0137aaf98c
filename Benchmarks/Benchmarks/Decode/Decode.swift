import Benchmark
import Foundation
import GenAuthLog
import VigilDecode
import VigilEvent

// Decode stage: all shipped decoders (rules/decoders) on gen-authlog output, parsed beforehand.
// Each iteration decodes one batch of 1,000 events, so the reported time per iteration in µs is the
// average cost per event in ns.
//
// Two ways to hand batches to the decoder: "warm" reuses each batch's field array (its capacity stays from
// the last round, so appending decoded fields touches memory already mapped); "fresh" gives every batch a
// new, empty field array, as the pipeline does (each batch's fields are appended to a new allocation, with
// its page faults). The second is what `vigil run` pays; the first isolates the decoders themselves.
let benchmarks: @Sendable () -> Void = {
    let repository = GenAuthLog.repository
    let decoders: DecoderSet
    do {
        decoders = try DecoderSet.load(paths: [repository.appendingPathComponent("rules/decoders").path]).decoders
    } catch {
        fatalError("\(error)")
    }
    let lines = AuthLog.generate(count: 100_000)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 100_000)

    func register(_ name: String, _ selected: [[UInt8]], freshFields: Bool = false) {
        let batches = AuthLog.batches(selected, size: 1_000)
        let mode = freshFields ? "fresh field arrays" : "warm"
        Benchmark("Decode \(name), \(mode), 1000 events (µs/batch = ns/event)", configuration: configuration) { benchmark in
            var worker = DecoderWorker(decoders: decoders)
            var pool = batches
            var next = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let fieldCount = batches[next].fields.count
                let byteCount = batches[next].bytes.count
                if freshFields { pool[next].fields = Array(batches[next].fields) }
                worker.decode(&pool[next])
                blackHole(pool[next].fields.count)
                // Undo what decoding appended so the next round decodes the same input.
                if !freshFields { pool[next].fields.removeSubrange(fieldCount...) }
                pool[next].bytes.removeSubrange(byteCount...)
                next = (next + 1) % pool.count
            }
        }
    }

    register("gen-authlog mix", lines)
    register("gen-authlog mix", lines, freshFields: true)
    register("sshd lines", lines.filter { AuthLog.program(of: $0) == "sshd" })
    register("kernel UFW lines", lines.filter { AuthLog.program(of: $0) == "kernel" })
    register("CRON lines", lines.filter { AuthLog.program(of: $0) == "CRON" })
    register("lines no decoder wants", lines.filter { ["systemd", "dbus-daemon", "chronyd"].contains(AuthLog.program(of: $0)) })
}
