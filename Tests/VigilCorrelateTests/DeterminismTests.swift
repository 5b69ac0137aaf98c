import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilEvent
import VigilTestSupport

/// The same stream, reordered within the lateness, batched differently and run on 1, 2 or 4 shards,
/// gives the same alerts, in every emission mode, when every window waits for the watermark. With
/// early alerts (the default), an episode may open before the watermark with its window as known then,
/// which depends on the order and batching of the inputs: what stays the same is every episode's final
/// state (its id, its closing alert, every `--emit all` and `threshold` alert), and for one order and
/// batching every alert, whatever the shard count.
@Suite struct DeterminismTests {
    static let cases = ["gen-event_count", "gen-value_count", "gen-extended", "gen-chained", "gen-numeric", "spec-example-chain"]

    static func alerts(
        _ testCase: OracleCase, _ input: [Detection], emit: CorrelationOptions.Emit, shards: Int, early: Bool, seed: UInt64
    ) -> [Alert] {
        let lateness = Timestamp.Duration.seconds(30)
        var options = CorrelationOptions(lateness: lateness, emit: emit, shards: shards)
        options.evidencePerAlert = 3
        options.earlyAlerts = early
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
        return alerts
    }

    @Test(arguments: cases, CorrelationOptions.Emit.allCases)
    func shuffledAndShardedGiveTheSameAlerts(_ name: String, emit: CorrelationOptions.Emit) throws {
        let testCase = try OracleCase(name)
        var reference: [String]?
        var finalReference: [String]?
        for (shards, seed) in [(1, 0), (2, 1), (4, 2), (1, 3), (4, 4)] as [(Int, UInt64)] {
            let input = seed == 0 ? testCase.detections : shuffled(testCase.detections, within: .seconds(30), seed: seed)
            let decided = Self.alerts(testCase, input, emit: emit, shards: shards, early: false, seed: seed)
            let lines = decided.sorted(by: precedesForTest).map(\.jsonLine)
            #expect(!lines.isEmpty)
            if let reference {
                #expect(lines == reference, "\(name) \(emit) shards \(shards) seed \(seed)")
            } else {
                reference = lines
            }
            // Early alerts: the same final state as without them, in any order.
            let early = Self.alerts(testCase, input, emit: emit, shards: shards, early: true, seed: seed)
            let final = finalState(early)
            #expect(final == finalState(decided), "\(name) \(emit) shards \(shards) seed \(seed): early and watermark-decided")
            if let finalReference {
                #expect(final == finalReference, "\(name) \(emit) shards \(shards) seed \(seed)")
            } else {
                finalReference = final
            }
            // And for this order, every alert the same on any shard count.
            let earlyLines = early.sorted(by: precedesForTest).map(\.jsonLine)
            for other in [1, 2, 4] where other != shards {
                let again = Self.alerts(testCase, input, emit: emit, shards: other, early: true, seed: seed)
                #expect(
                    again.sorted(by: precedesForTest).map(\.jsonLine) == earlyLines,
                    "\(name) \(emit) seed \(seed): \(shards) vs \(other) shards")
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

/// What must not depend on the order inputs arrive in within the lateness: every alert but the
/// opening and `updated` alerts of episodes, and of those the episode ids (each opened exactly once).
func finalState(_ alerts: [Alert]) -> [String] {
    var out: [String] = []
    for alert in alerts.sorted(by: precedesForTest) {
        switch alert.episode?.state {
        case .opened?: out.append("opened \(alert.rule.id) \(alert.group.map { $0.value ?? "null" }) \(alert.episode!.id)")
        case .updated?: break
        default: out.append(alert.jsonLine)
        }
    }
    return out.sorted()
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
