import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilEvent
import VigilTestSupport

/// The same stream, reordered within the lateness, batched differently and run on 1, 2 or 4 shards,
/// gives the same alerts, in every emission mode.
@Suite struct DeterminismTests {
    static let cases = ["gen-event_count", "gen-value_count", "gen-extended", "gen-chained", "gen-numeric", "spec-example-chain"]

    @Test(arguments: cases, CorrelationOptions.Emit.allCases)
    func shuffledAndShardedGiveTheSameAlerts(_ name: String, emit: CorrelationOptions.Emit) throws {
        let testCase = try OracleCase(name)
        let lateness = Timestamp.Duration.seconds(30)
        var reference: [String]?
        for (shards, seed) in [(1, 0), (2, 1), (4, 2), (1, 3), (4, 4)] as [(Int, UInt64)] {
            var options = CorrelationOptions(lateness: lateness, emit: emit, shards: shards)
            options.evidencePerAlert = 3
            let input = seed == 0 ? testCase.detections : shuffled(testCase.detections, within: lateness, seed: seed)
            let engine = CorrelationEngine(ruleSet: testCase.ruleSet, options: options)
            var alerts: [Alert] = []
            var random = SplitMix64(seed: seed)
            var index = 0
            while index < input.count {
                let size = 1 + Int(random.next() % 40)
                let slice = Array(input[index..<min(index + size, input.count)])
                engine.ingest(slice)
                alerts += engine.advance()
                index += size
            }
            alerts += engine.finish()
            #expect(engine.stats.late == 0)
            let lines = alerts.sorted(by: precedesForTest).map(\.jsonLine)
            #expect(!lines.isEmpty)
            if let reference {
                #expect(lines == reference, "\(name) \(emit) shards \(shards) seed \(seed)")
            } else {
                reference = lines
            }
        }
    }

    @Test func lateDetectionsAreCountedAndSkipped() throws {
        let testCase = try OracleCase("gen-event_count")
        let engine = CorrelationEngine(ruleSet: testCase.ruleSet, options: CorrelationOptions(lateness: .seconds(5), emit: .all))
        let ordered = testCase.detections
        engine.ingest(Array(ordered.prefix(200)))
        _ = engine.advance()
        // A detection ten minutes older than the newest one seen.
        var late = ordered[10]
        late.sequence = 999_999
        engine.ingest([late])
        #expect(engine.stats.late == 1)
    }
}

/// Reorders detections so that none arrives more than `lateness` behind the largest time before it:
/// sort by time plus a random delay below the lateness.
func shuffled(_ detections: [Detection], within lateness: Timestamp.Duration, seed: UInt64) -> [Detection] {
    var random = SplitMix64(seed: seed)
    let keyed = detections.map { d -> (Int64, Detection) in
        (d.time.nanoseconds + Int64(random.next() % UInt64(lateness.nanoseconds)), d)
    }
    return keyed.sorted { $0.0 < $1.0 }.map(\.1)
}

/// A total order over alerts for comparing runs (alerts of one step come sorted; across steps the
/// order follows the input's batching, which differs between runs).
func precedesForTest(_ a: Alert, _ b: Alert) -> Bool {
    let x = a.jsonLine, y = b.jsonLine
    if a.time != b.time { return a.time < b.time }
    return x < y
}

/// The threaded engine (a thread per shard and one for the merger) against the single-threaded one.
@Suite struct ThreadedEngineTests {
    final class Collected: @unchecked Sendable {
        // @unchecked: `alerts` is only touched with `lock` held.
        private let lock = NSLock()
        private var alerts: [Alert] = []

        func add(_ new: [Alert]) {
            lock.lock()
            alerts += new
            lock.unlock()
        }

        var all: [Alert] {
            lock.lock()
            defer { lock.unlock() }
            return alerts
        }
    }

    @Test(arguments: ["gen-chained", "gen-extended", "spec-value_count"], [CorrelationOptions.Emit.all, .episodes])
    func threadsGiveTheSameAlertsAsOneThread(_ name: String, emit: CorrelationOptions.Emit) throws {
        let testCase = try OracleCase(name)
        let input = shuffled(testCase.detections, within: .seconds(20), seed: 9)
        var reference: [String] = []
        for shards in [1, 2, 4] {
            let options = CorrelationOptions(lateness: .seconds(20), emit: emit, shards: shards)
            let collected = Collected()
            let engine = ThreadedCorrelationEngine(ruleSet: testCase.ruleSet, options: options) { collected.add($0) }
            var index = 0
            while index < input.count {
                engine.ingest(Array(input[index..<min(index + 25, input.count)]))
                engine.advance()
                index += 25
            }
            let stats = engine.finish()
            #expect(stats.late == 0)
            let lines = collected.all.sorted(by: precedesForTest).map(\.jsonLine)
            if shards == 1 {
                let single = run(testCase, options: options, batch: 25, detections: input).sorted(by: precedesForTest).map(\.jsonLine)
                #expect(lines == single)
                reference = lines
            } else {
                #expect(lines == reference, "\(name) \(emit) shards \(shards)")
            }
            #expect(!lines.isEmpty)
        }
    }
}
