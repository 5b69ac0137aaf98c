import Benchmark
import Foundation
import GenAuthLog
import VigilEvent
import VigilIngest

// Parse stage: BatchParser on realistic lines, one batch of 1,000 messages per measured iteration, so
// with scalingFactor .kilo the figures read per event (throughput = events/s, time = ns/event).
//
// Data: ../shared/tools/gen-authlog.py (auth.log lines and the same events as JSON lines), generated once
// per run into a temporary folder; RFC 5424 lines are rebuilt from the parsed auth.log events.
// Set VIGIL_GEN_AUTHLOG to the script's path if it is elsewhere (see GenAuthLog).

let batchSize = 1_000

/// Runs gen-authlog.py and returns its two outputs as lines.
func generateAuthLog(events: Int) -> (log: [[UInt8]], jsonl: [[UInt8]]) {
    let prefix = GenAuthLog.temporaryPrefix("parse")
    GenAuthLog.generate(lines: events, seed: 7, prefix: prefix)
    defer {
        try? FileManager.default.removeItem(atPath: prefix + ".log")
        try? FileManager.default.removeItem(atPath: prefix + ".jsonl")
    }
    return (GenAuthLog.lines(ofFile: prefix + ".log"), GenAuthLog.lines(ofFile: prefix + ".jsonl"))
}

/// RFC 5424 lines carrying the same events: `<86>1 TIMESTAMP HOST APP PID - [meta sequenceId="n"] MSG`.
func rfc5424Lines(from log: [[UInt8]]) -> [[UInt8]] {
    var parser = BatchParser()
    let batch = parser.parse(packBatch(log))
    return batch.events.enumerated().map { n, e in
        let time = e.time.rfc3339(fractionDigits: 6)
        let line =
            "<86>1 \(time) \(batch.string(e.host) ?? "-") \(batch.string(e.app) ?? "-") \(batch.string(e.pid) ?? "-") - "
            + "[meta sequenceId=\"\(n)\"] \(batch.string(e.message) ?? "")"
        return Array(line.utf8)
    }
}

func packBatch(_ lines: some Collection<[UInt8]>) -> RawBatch {
    var bytes: [UInt8] = []
    var ranges: [ByteRange] = []
    for line in lines {
        let start = bytes.count
        bytes.append(contentsOf: line)
        ranges.append(ByteRange(start: start, end: bytes.count))
        bytes.append(0x0A)
    }
    return RawBatch(source: SourceID(0), firstSequence: 0, receiveTime: Timestamp(seconds: 1_709_251_200), bytes: bytes, messages: ranges)
}

func batches(_ lines: [[UInt8]]) -> [RawBatch] {
    stride(from: 0, to: lines.count - batchSize + 1, by: batchSize).map { packBatch(lines[$0..<$0 + batchSize]) }
}

/// One benchmark's parser and position in its input, kept across measured iterations.
final class ParseState {
    var parser = BatchParser()
    var next = 0
}

let benchmarks: @Sendable () -> Void = {
    let generated = generateAuthLog(events: 50_000)
    let inputs: [(String, [RawBatch])] = [
        ("RFC 3164 auth.log line", batches(generated.log)),
        ("RFC 5424 line with structured data", batches(rfc5424Lines(from: generated.log))),
        ("JSON line (gen-authlog .jsonl)", batches(generated.jsonl)),
    ]
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(3))
    for (name, input) in inputs {
        let state = ParseState()
        Benchmark("Parse \(name)", configuration: configuration) { benchmark in
            precondition(benchmark.scaledIterations.count == batchSize)
            let raw = input[state.next]
            state.next = (state.next + 1) % input.count
            benchmark.startMeasurement()
            blackHole(state.parser.parse(raw))
            benchmark.stopMeasurement()
        }
    }
}
