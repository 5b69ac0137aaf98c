import Testing
import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// An alert's evidence lists each contributing event once. `host_silent` listed its cron event twice:
/// an absence window adds its anchoring event, then the latest event of every rule present in it,
/// which for `not x` anchored on `x` is that same event. Every correlation type and condition form
/// is run here over events read by one or both rules, from two sources with overlapping sequences.
@Suite struct EvidenceUniquenessTests {
    static let rules: [(name: String, yaml: String)] = [
        ("absence of the anchoring rule", "{type: temporal, rules: [failed], group-by: [host], timespan: 5m, condition: not failed}"),
        (
            "absence of another rule",
            "{type: temporal, rules: [failed, accepted], group-by: [host], timespan: 5m, condition: failed and not accepted}"
        ),
        ("temporal", "{type: temporal, rules: [failed, accepted], group-by: [host], timespan: 5m}"),
        ("temporal_ordered", "{type: temporal_ordered, rules: [failed, accepted], group-by: [host], timespan: 5m}"),
        ("event_count", "{type: event_count, rules: [failed, accepted], group-by: [host], timespan: 5m, condition: {gte: 2}}"),
        ("value_count", "{type: value_count, rules: [failed, accepted], group-by: [host], timespan: 5m, condition: {field: user, gte: 2}}"),
        ("value_sum", "{type: value_sum, rules: [failed, accepted], group-by: [host], timespan: 5m, condition: {field: bytes, gte: 2}}"),
    ]

    /// Detections of `failed` (0) and `accepted` (1); an event read by both rules is two detections
    /// of one event (same source and sequence). The event JSON names its source and sequence.
    static func stream() -> [Detection] {
        var detections: [Detection] = []
        func add(_ rules: [UInt32], at seconds: Int64, host: String, user: String, source: UInt32, sequence: UInt64) {
            for rule in rules {
                detections.append(
                    Detection(
                        rule: RuleID(rule), time: EngineBehaviourTests.t0.advanced(by: .seconds(seconds)), source: SourceID(source),
                        sequence: sequence,
                        values: [
                            (name: Symbol("host"), value: host), (name: Symbol("user"), value: user), (name: Symbol("bytes"), value: "1"),
                        ],
                        event: "{\"source\":\(source),\"sequence\":\(sequence)}"))
            }
        }
        // h1: failures, then one event both rules read, then a success; h2: one failure, then silence;
        // h3: the same sequences from another source.
        add([0], at: 0, host: "h1", user: "a", source: 0, sequence: 1)
        add([0], at: 10, host: "h1", user: "b", source: 0, sequence: 2)
        add([0, 1], at: 20, host: "h1", user: "c", source: 0, sequence: 3)
        add([1], at: 30, host: "h1", user: "d", source: 0, sequence: 4)
        add([0], at: 40, host: "h2", user: "a", source: 0, sequence: 5)
        add([0], at: 0, host: "h3", user: "a", source: 1, sequence: 1)
        add([0, 1], at: 10, host: "h3", user: "b", source: 1, sequence: 2)
        add([0], at: 400, host: "h1", user: "e", source: 0, sequence: 6)
        return detections.sorted { ($0.time, $0.source.rawValue, $0.sequence) < ($1.time, $1.source.rawValue, $1.sequence) }
    }

    @Test(arguments: rules.indices, [CorrelationOptions.Emit.all, .episodes])
    func noAlertRepeatsAnEvent(rule index: Int, emit: CorrelationOptions.Emit) throws {
        let (name, yaml) = Self.rules[index]
        let ruleSet = try EngineBehaviourTests.ruleSet("title: \(name)\ncorrelation: \(yaml)\n")
        for shards in [1, 2] {
            var options = CorrelationOptions(lateness: .seconds(0), emit: emit, shards: shards)
            options.decideAbsenceBeyondInput = true
            let engine = CorrelationEngine(ruleSet: ruleSet, options: options)
            engine.ingest(Self.stream())
            let alerts = engine.advance() + engine.finish()
            let withEvidence = alerts.filter { !$0.events.isEmpty }
            #expect(!withEvidence.isEmpty, "\(name): no alert with evidence")
            for alert in withEvidence {
                // The evidence JSON is the detection's event: its source and sequence.
                #expect(Set(alert.events).count == alert.events.count, "\(name), \(shards) shards: \(alert.events)")
            }
        }
    }
}
