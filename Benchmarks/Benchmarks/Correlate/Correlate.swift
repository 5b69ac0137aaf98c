import Benchmark
import Foundation
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Correlation engine throughput (detections/s through router, shard and emission, one thread) and the
/// memory of many live groups. Detections are made in small batches while the benchmark runs, so that
/// the input itself does not count as engine memory.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .peakMemoryResident],
        scalingFactor: .mega,
        maxDuration: .seconds(5),
        maxIterations: 3
    )

    Benchmark("event_count gte 5 in 60s, 100k groups, episodes") { benchmark in
        run(benchmark, rule: eventCountRule, groups: 100_000, users: 1, emit: .episodes)
    }

    Benchmark("event_count gte 5 in 60s, 100k groups, emit all") { benchmark in
        run(benchmark, rule: eventCountRule, groups: 100_000, users: 1, emit: .all)
    }

    Benchmark("value_count users gte 5 in 10m, 100k groups, episodes") { benchmark in
        run(benchmark, rule: valueCountRule, groups: 100_000, users: 20, emit: .episodes)
    }

    Benchmark("event_count, 1M live groups (memory)", configuration: .init(scalingFactor: .one, maxIterations: 1)) { benchmark in
        // One detection per group, all within one timespan: a million groups alive at the end.
        let engine = makeEngine(eventCountRule, emit: .episodes, maxGroups: 2_000_000)
        benchmark.startMeasurement()
        feed(engine, count: 1_000_000, groups: 1_000_000, users: 1, spacing: 50_000, distinct: true, finish: false)
        benchmark.stopMeasurement()
        let stats = engine.stats
        let note = "live groups \(stats.liveGroups), engine state \(engine.memoryBytes >> 20) MiB\n"
        FileHandle.standardError.write(Data(note.utf8))
        blackHole(engine.finish().count)
    }
}

let eventCountRule = "correlation: {type: event_count, rules: [failed], group-by: [src_ip], timespan: 60s, condition: {gte: 5}}"
let valueCountRule =
    "correlation: {type: value_count, rules: [failed], group-by: [src_ip], timespan: 10m, condition: {field: user, gte: 5}}"

func makeEngine(_ rule: String, emit: CorrelationOptions.Emit, maxGroups: Int = 100_000) -> CorrelationEngine {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString).yml")
    try! "title: bench\n\(rule)\n".write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let documents = SigmaFileLoader.load(paths: [url.path]).documents
    let (ruleSet, diagnostics) = CorrelationRuleSet.compile(documents) { $0 == "failed" ? RuleID(0) : nil }
    precondition(diagnostics.isEmpty, "\(diagnostics)")
    var options = CorrelationOptions(emit: emit)
    options.maxGroupsPerRule = maxGroups
    return CorrelationEngine(ruleSet: ruleSet, options: options)
}

func run(_ benchmark: Benchmark, rule: String, groups: Int, users: Int, emit: CorrelationOptions.Emit) {
    let engine = makeEngine(rule, emit: emit)
    let count = benchmark.scaledIterations.count
    benchmark.startMeasurement()
    // 2,000 detections per second of event time: groups see about one event per 50 s, so some reach
    // five within a minute and alert.
    feed(engine, count: count, groups: groups, users: users, spacing: 500_000)
    benchmark.stopMeasurement()
    blackHole(engine.stats.alerts)
}

/// Feeds `count` detections spread over `groups` source addresses (at random, or each address in turn
/// when `distinct`), `spacing` nanoseconds apart in event time, in batches of 1,024 (each followed by a
/// watermark step), then finishes.
func feed(
    _ engine: CorrelationEngine, count: Int, groups: Int, users: Int, spacing: Int64, distinct: Bool = false, finish: Bool = true
) {
    let src = Symbol("src_ip"), user = Symbol("user")
    let event = #"{"host":"bastion-01","app":"sshd","msg":"Failed password for root from 203.0.113.7 port 4242 ssh2"}"#
    let addresses = (0..<min(groups, 1 << 16)).map { "10.\($0 >> 8).\($0 & 255)." }
    let names = (0..<users).map { "user\($0)" }
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    var batch: [Detection] = []
    batch.reserveCapacity(1024)
    var time = Timestamp(seconds: 1_700_000_000)
    for i in 0..<count {
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let group = distinct ? i % groups : Int((random >> 33) % UInt64(groups))
        let address = addresses[group % addresses.count] + String(group / addresses.count)
        time = time.advanced(by: .init(nanoseconds: spacing))
        batch.append(
            Detection(
                rule: RuleID(0), time: time, source: SourceID(0), sequence: UInt64(i),
                values: [(name: src, value: address), (name: user, value: names[Int(random >> 20) % users])], event: event))
        if batch.count == 1024 {
            engine.ingest(batch, latestEventTime: time)
            blackHole(engine.advance())
            batch.removeAll(keepingCapacity: true)
        }
    }
    engine.ingest(batch, latestEventTime: time)
    blackHole(engine.advance())
    if finish { blackHole(engine.finish().count) }
}
