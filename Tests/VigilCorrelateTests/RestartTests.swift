import Foundation
import Testing
import VigilAlert
import VigilEvent
import VigilTestSupport

@testable import VigilCorrelate

/// Issue 12, "Restarts keep correlation state": a run stopped by a signal writes its correlation state
/// (CorrelationSnapshot) and the next start continues from it. The differential check: the alerts of
/// an uninterrupted run equal those of a run stopped at any batch boundary, snapshotted, restored into
/// a fresh engine (with 1 or 2 shards, not necessarily as many as before) and fed the rest.
@Suite struct RestartTests {
    static let cases = [
        "oracle-example", "gen-event_count", "gen-value_count", "gen-temporal", "gen-temporal_ordered", "gen-numeric",
        "gen-extended", "gen-aliases", "gen-chained", "spec-event_count", "spec-event_count_ecs", "spec-value_count",
        "spec-temporal", "spec-temporal_ordered", "spec-value_sum", "spec-value_avg", "spec-example-chain",
    ]

    static let batch = 32

    static func options(_ emit: CorrelationOptions.Emit, shards: Int) -> CorrelationOptions {
        var options = CorrelationOptions(lateness: .seconds(30), emit: emit, shards: shards)
        options.evidencePerAlert = 3
        return options
    }

    /// Feeds batches `range` of `input` to `engine`, returning the alerts of their steps.
    static func feed(_ engine: CorrelationEngine, _ input: [Detection], batches range: Range<Int>) -> [Alert] {
        var alerts: [Alert] = []
        for index in range {
            let slice = Array(input[index * batch..<min((index + 1) * batch, input.count)])
            engine.ingest(slice)
            alerts += engine.advance()
        }
        return alerts
    }

    static func lines(_ alerts: [Alert]) -> [String] { alerts.sorted(by: precedesForTest).map(\.jsonLine) }

    /// The state of `engine` written and read back (through the bytes of the file), for `ruleSet`.
    static func reread(
        _ snapshot: CorrelationSnapshot, into ruleSet: CorrelationRuleSet, options: CorrelationOptions
    ) throws -> RestoredCorrelation {
        try CorrelationSnapshot(bytes: snapshot.bytes).restore(into: ruleSet, options: options)
    }

    @Test(arguments: cases, CorrelationOptions.Emit.allCases)
    func aRunStoppedAndRestoredAnywhereGivesTheUninterruptedAlerts(_ name: String, emit: CorrelationOptions.Emit) throws {
        let testCase = try OracleCase(name)
        // Reordered within the lateness: inputs wait for the watermark at every split.
        let input = shuffled(testCase.detections, within: .seconds(30), seed: 7)
        let batches = (input.count + Self.batch - 1) / Self.batch
        let uninterrupted = CorrelationEngine(ruleSet: testCase.ruleSet, options: Self.options(emit, shards: 1))
        let reference = Self.lines(Self.feed(uninterrupted, input, batches: 0..<batches) + uninterrupted.finish())
        #expect(!reference.isEmpty || name == "oracle-example")
        let splits = Set([0, 1, batches / 4, batches / 2, 3 * batches / 4, batches - 1].filter { $0 >= 0 && $0 < batches })
        // Shards before and after the stop: each split tries two of these in turn.
        let shardings = [(1, 1), (2, 2), (1, 2), (2, 1)]
        for (number, split) in splits.sorted().enumerated() {
            for (before, after) in [shardings[number % 4], shardings[(number + 2) % 4]] {
                let first = CorrelationEngine(ruleSet: testCase.ruleSet, options: Self.options(emit, shards: before))
                var alerts = Self.feed(first, input, batches: 0..<split + 1)
                let restored = try Self.reread(first.snapshot(), into: testCase.ruleSet, options: Self.options(emit, shards: after))
                #expect(restored.report.changedRules.isEmpty && restored.report.droppedRules.isEmpty)
                #expect(restored.report.unreadableRules.isEmpty, "\(restored.report.unreadableRules)")
                let second = CorrelationEngine(
                    ruleSet: testCase.ruleSet, options: Self.options(emit, shards: after), restoring: restored)
                alerts += Self.feed(second, input, batches: split + 1..<batches) + second.finish()
                #expect(Self.lines(alerts) == reference, "\(name) \(emit): stopped after batch \(split), shards \(before) -> \(after)")
                #expect(second.stats.late == 0)
            }
        }
    }

    @Test(arguments: ["gen-chained", "gen-extended", "spec-value_count"])
    func restoredStateCanBeSavedAgainAndTheThreadedEngineSnapshotsAlike(_ name: String) throws {
        let testCase = try OracleCase(name)
        let input = shuffled(testCase.detections, within: .seconds(30), seed: 3)
        let batches = (input.count + Self.batch - 1) / Self.batch
        let options = Self.options(.episodes, shards: 2)
        // Uninterrupted, in one engine.
        let whole = CorrelationEngine(ruleSet: testCase.ruleSet, options: options)
        let expected = Self.lines(Self.feed(whole, input, batches: 0..<batches) + whole.finish())
        // The threaded engine stops twice: a third, then two thirds of the way.
        final class Collected: @unchecked Sendable {
            private let lock = NSLock()
            private var alerts: [Alert] = []
            func add(_ new: [Alert]) { lock.withLock { alerts += new } }
            var all: [Alert] { lock.withLock { alerts } }
        }
        let collected = Collected()
        var restored: RestoredCorrelation?
        for part in [0..<batches / 3, batches / 3..<2 * batches / 3, 2 * batches / 3..<batches] {
            let engine = ThreadedCorrelationEngine(ruleSet: testCase.ruleSet, options: options, restoring: restored) { collected.add($0) }
            for index in part {
                engine.ingest(Array(input[index * Self.batch..<min((index + 1) * Self.batch, input.count)]))
                engine.advance()
            }
            if part.upperBound == batches {
                engine.finish()
            } else {
                let snapshot = engine.snapshot()
                engine.stop()
                restored = try Self.reread(snapshot, into: testCase.ruleSet, options: options)
            }
        }
        #expect(Self.lines(collected.all) == expected, "\(name)")
    }

    // MARK: Rules that changed

    static let failed = "title: failed\nid: failed\nlogsource: {product: linux}\ndetection: {s: {a: 1}, condition: s}\n"

    static func ruleSet(_ correlations: String) throws -> CorrelationRuleSet {
        try EngineBehaviourTests.ruleSet(correlations)
    }

    static func correlation(id: String, count: Int, timespan: String = "60s") -> String {
        "title: \(id)\nid: \(id)\ncorrelation: {type: event_count, rules: [failed], group-by: [ip], timespan: \(timespan), condition: {gte: \(count)}}\n"
    }

    static func failures(_ ip: String, at seconds: [Double], from sequence: UInt64) -> [Detection] {
        seconds.enumerated().map { EngineBehaviourTests.detection(0, at: $1, ["ip": ip], sequence: sequence + UInt64($0)) }
    }

    @Test func aChangedRuleStartsEmptyAndUnchangedOnesContinue() throws {
        let before = try Self.ruleSet(Self.correlation(id: "kept", count: 5) + "---\n" + Self.correlation(id: "changed", count: 5))
        let options = CorrelationOptions(lateness: .seconds(0))
        let first = CorrelationEngine(ruleSet: before, options: options)
        first.ingest(Self.failures("10.0.0.1", at: [0, 1, 2], from: 0))
        #expect(first.advance().isEmpty)
        let snapshot = first.snapshot()
        // "changed" now asks for 6; "kept" is the same rule, defined in another order.
        let after = try Self.ruleSet(
            Self.correlation(id: "changed", count: 6) + "---\n" + Self.correlation(id: "kept", count: 5) + "---\n"
                + Self.correlation(id: "new", count: 5))
        let restored = try Self.reread(snapshot, into: after, options: options)
        #expect(restored.report.restoredRules == ["kept"])
        #expect(restored.report.changedRules == ["changed"])
        #expect(restored.report.droppedRules.isEmpty)
        #expect(restored.report.groups == 1)
        let second = CorrelationEngine(ruleSet: after, options: options, restoring: restored)
        #expect(second.stats.liveGroups == 1)
        second.ingest(Self.failures("10.0.0.1", at: [3, 4, 5], from: 10))
        let alerts = second.advance() + second.finish()
        // Six failures within the minute for "kept", three for "changed" (its first three are gone).
        #expect(alerts.filter { $0.episode?.state == .opened }.map(\.rule.id) == ["kept"])
        #expect(alerts.first?.events.count == 5)

        // A rule no longer loaded: its state is dropped, and said so.
        let gone = try Self.reread(snapshot, into: try Self.ruleSet(Self.correlation(id: "other", count: 5)), options: options)
        #expect(gone.report.droppedRules == ["changed", "kept"])
        #expect(gone.report.restoredRules.isEmpty)
        // Another emission mode: every rule starts empty (the watermark still holds).
        var threshold = options
        threshold.emit = .threshold
        let otherMode = try Self.reread(snapshot, into: before, options: threshold)
        #expect(otherMode.report.emitChanged)
        #expect(otherMode.report.restoredRules.isEmpty)
        #expect(otherMode.report.changedRules == ["changed", "kept"])
        #expect(otherMode.report.watermark == EngineBehaviourTests.t0.advanced(by: .seconds(2)))
    }

    @Test func restoredInputsKeepTheirSourceAndTheNextRunStartsAfterThem() throws {
        let set = try Self.ruleSet(Self.correlation(id: "bf", count: 5))
        let options = CorrelationOptions(lateness: .seconds(10))
        let first = CorrelationEngine(ruleSet: set, options: options)
        var detections = Self.failures("10.0.0.1", at: [0, 1, 2], from: 0)
        detections[2].source = SourceID(6)
        first.ingest(detections)
        #expect(first.advance().isEmpty)
        let restored = try Self.reread(first.snapshot(), into: set, options: options)
        // Nothing passed the watermark: all three wait.
        #expect(restored.report.waitingInputs == 3)
        #expect(restored.report.groups == 0)
        #expect(restored.nextSourceID == 7)
    }

    // MARK: Files that are not what vigil wrote

    /// A snapshot taken in the middle of `name`, with what it was taken for.
    static func midRunSnapshot(_ name: String, emit: CorrelationOptions.Emit = .episodes) throws -> (
        CorrelationSnapshot, OracleCase, [Detection], CorrelationOptions
    ) {
        let testCase = try OracleCase(name)
        let input = shuffled(testCase.detections, within: .seconds(30), seed: 5)
        let options = Self.options(emit, shards: 2)
        let engine = CorrelationEngine(ruleSet: testCase.ruleSet, options: options)
        let batches = (input.count + Self.batch - 1) / Self.batch
        _ = Self.feed(engine, input, batches: 0..<batches / 2)
        return (engine.snapshot(), testCase, Array(input[((batches / 2) * Self.batch)...]), options)
    }

    @Test(arguments: ["gen-chained", "gen-value_count", "gen-extended", "gen-numeric"])
    func truncatedOrCorruptFilesAreRefused(_ name: String) throws {
        let (snapshot, testCase, _, options) = try Self.midRunSnapshot(name)
        let bytes = snapshot.bytes
        #expect(bytes.count > 1000)
        var random = SplitMix64(seed: 11)
        // Truncated anywhere (every length near both ends, and a sample between).
        var lengths = Array(0..<min(300, bytes.count)) + Array(max(0, bytes.count - 300)..<bytes.count)
        for _ in 0..<200 { lengths.append(Int(random.next() % UInt64(bytes.count))) }
        for length in lengths {
            #expect(throws: CorrelationSnapshotError.self, "truncated to \(length)") {
                try CorrelationSnapshot(bytes: Array(bytes[..<length])).restore(into: testCase.ruleSet, options: options)
            }
        }
        // One byte changed anywhere: the checksum (or the header) tells.
        for _ in 0..<300 {
            var corrupt = bytes
            let at = Int(random.next() % UInt64(bytes.count))
            corrupt[at] ^= UInt8(1 + random.next() % 255)
            #expect(throws: CorrelationSnapshotError.self, "byte \(at) changed") {
                try CorrelationSnapshot(bytes: corrupt).restore(into: testCase.ruleSet, options: options)
            }
        }
        // Another version, or no state file at all.
        var version = bytes
        version[8] = 3
        #expect(throws: CorrelationSnapshotError.self) {
            try CorrelationSnapshot(bytes: version).restore(into: testCase.ruleSet, options: options)
        }
        #expect(throws: CorrelationSnapshotError.self) {
            try CorrelationSnapshot(bytes: Array("not a state file at all, but long enough".utf8)).restore(
                into: testCase.ruleSet, options: options)
        }
    }

    /// Forged payloads (the checksum made to match): whatever the bytes say, reading them either refuses
    /// them or gives state an engine runs on to the end without crashing.
    @Test(arguments: ["gen-chained", "gen-value_count", "gen-extended", "gen-numeric", "gen-temporal_ordered", "spec-value_avg"])
    func forgedFilesNeverCrashTheEngine(_ name: String) throws {
        for emit in [CorrelationOptions.Emit.episodes, .threshold] {
            let (snapshot, testCase, rest, options) = try Self.midRunSnapshot(name, emit: emit)
            let payload = Array(snapshot.bytes[CorrelationSnapshot.headerSize...])
            var random = SplitMix64(seed: 23)
            var accepted = 0
            for round in 0..<60 {
                var forged = payload
                // A few bytes set to values that make lengths, counts and indices extreme.
                for _ in 0..<(1 + round % 4) {
                    let at = Int(random.next() % UInt64(forged.count))
                    let values: [UInt8] = [0, 0xFF, 0x7F, 0x80, 1, UInt8(truncatingIfNeeded: random.next())]
                    forged[at] = values[Int(random.next() % UInt64(values.count))]
                }
                let restored: RestoredCorrelation
                do {
                    restored = try snapshot.decode(SnapshotReader(forged), ruleSet: testCase.ruleSet, options: options)
                } catch {
                    continue
                }
                accepted += 1
                for shards in [1, 2] {
                    var run = options
                    run.shards = shards
                    let engine = CorrelationEngine(ruleSet: testCase.ruleSet, options: run, restoring: restored)
                    engine.ingest(Array(rest.prefix(64)))
                    _ = engine.advance()
                    _ = engine.snapshot()
                    _ = engine.finish()
                }
            }
            // Most single-byte changes land in times, counts and text that stay readable.
            #expect(accepted > 0)
        }
    }
}
