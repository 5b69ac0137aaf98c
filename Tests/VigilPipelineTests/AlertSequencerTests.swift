import Foundation
import Synchronization
import Testing
import VigilAlert
import VigilEvent
import VigilOutput

@testable import VigilPipeline

/// An output that keeps what it is handed.
final class RecordingOutput: AlertOutput {
    let name: String
    let minimumTier: Int
    private let received = Mutex<[String]>([])

    init(name: String = "recording", minimumTier: Int = 1) {
        self.name = name
        self.minimumTier = minimumTier
    }

    func accept(_ alerts: AlertLines) {
        received.withLock { lines in for index in 0..<alerts.count { lines.append(alerts.json(at: index)) } }
    }

    func finish(timeout: Duration) {}
    var counts: AlertOutputCounts { AlertOutputCounts() }
    var failure: String? { nil }
    var lines: [String] { received.withLock { $0 } }
}

/// The sequencer hands pieces to the outputs in the order the collector placed them, whichever thread
/// delivers them first, and filters by tier.
@Suite("AlertSequencer: order and tiers")
struct AlertSequencerTests {
    static func detection(_ name: String, tier: Int = 1) -> AlertLines {
        var lines = AlertLines()
        lines.append(tier: tier) { $0.append(contentsOf: "{\"d\":\"\(name)\"}".utf8) }
        return lines
    }

    static func correlation(_ name: String) -> Alert {
        Alert(kind: .correlation, time: Timestamp(nanoseconds: 0), rule: Alert.Rule(id: name, title: name, level: "low"))
    }

    static func ruleID(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        if let name = object["d"] as? String { return name }
        return (object["rule"] as? [String: Any])?["id"] as? String
    }

    @Test("a batch's detections wait for the correlation step placed before them")
    func detectionsWaitForEarlierStep() {
        let output = RecordingOutput()
        let sequencer = AlertSequencer(outputs: [output])
        sequencer.place(Self.detection("a"))
        sequencer.expectCorrelationStep()
        sequencer.place(Self.detection("b"))
        sequencer.expectCorrelationStep()
        #expect(output.lines.map(Self.ruleID) == ["a"])
        sequencer.send([])  // the first step, empty: "b" may go
        #expect(output.lines.map(Self.ruleID) == ["a", "b"])
        sequencer.send([Self.correlation("x"), Self.correlation("y")])
        sequencer.finish()
        #expect(output.lines.map(Self.ruleID) == ["a", "b", "x", "y"])
        #expect(sequencer.counts.detection == 2 && sequencer.counts.correlation == 2)
    }

    @Test("steps delivered from another thread land at their places, run after run")
    func stepsFromAnotherThread() async throws {
        for _ in 0..<20 {
            let output = RecordingOutput()
            let sequencer = AlertSequencer(outputs: [output])
            let steps = AsyncStream<Int>.makeStream()
            let merger = Task.detached {
                for await step in steps.stream {
                    sequencer.send(step % 3 == 0 ? [] : [Self.correlation("c\(step)")])
                }
            }
            var expected: [String] = []
            for batch in 0..<50 {
                sequencer.place(Self.detection("d\(batch)"))
                expected.append("d\(batch)")
                sequencer.expectCorrelationStep()
                steps.continuation.yield(batch)
                if batch % 3 != 0 { expected.append("c\(batch)") }
            }
            steps.continuation.finish()
            await merger.value
            sequencer.finish()
            #expect(output.lines.map(Self.ruleID) == expected)
        }
    }

    @Test("--min-tier and each output's minimum tier filter, and what is filtered is counted")
    func tiersFilter() {
        let all = RecordingOutput(name: "all")
        let high = RecordingOutput(name: "high", minimumTier: 3)
        let sequencer = AlertSequencer(outputs: [all, high], minimumTier: 2)
        var lines = AlertLines()
        for (name, tier) in [("a", 1), ("b", 2), ("c", 3)] {
            lines.append(tier: tier) { $0.append(contentsOf: "{\"d\":\"\(name)\"}".utf8) }
        }
        sequencer.place(lines, kinds: [.detection, .detection, .detection], rules: ["r", "r", "r"])
        sequencer.finish()
        #expect(all.lines.map(Self.ruleID) == ["b", "c"])
        #expect(high.lines.map(Self.ruleID) == ["c"])
        #expect(sequencer.counts.belowMinimumTier == 1)
        #expect(sequencer.counts.byTier == [0, 0, 1, 1])
        #expect(sequencer.counts.rules["r"]?.alerts == 2)
    }

    @Test("a correlation alert takes its rule's tier, an id and a detection time; one without a tier is not emitted")
    func correlationAlertsAreFinished() throws {
        let output = RecordingOutput()
        let sequencer = AlertSequencer(outputs: [output], correlationTiers: ["x": Optional(3), "quiet": Optional<Int>.none])
        sequencer.send([Self.correlation("x"), Self.correlation("quiet")])
        sequencer.finish()
        #expect(output.lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.lines[0].utf8)) as? [String: Any])
        #expect(object["tier"] as? Int == 3)
        #expect((object["id"] as? String)?.count == 32)
        #expect((object["detected_at"] as? String)?.hasPrefix("1970") == false)
    }
}
