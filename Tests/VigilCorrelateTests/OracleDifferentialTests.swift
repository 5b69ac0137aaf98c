import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilEvent
import VigilTestSupport

/// vigil `--emit all` against the reference oracle (pySigma + SQLite): for every case, the set of
/// (rule, group, window, metric) must be equal. Deliberate differences are listed in
/// docs/correlation.md; no case here hits one.
@Suite struct OracleDifferentialTests {
    static let cases = [
        "oracle-example", "gen-event_count", "gen-value_count", "gen-temporal", "gen-temporal_ordered", "gen-numeric",
        "gen-extended", "gen-aliases", "gen-chained", "spec-event_count", "spec-event_count_ecs", "spec-value_count",
        "spec-temporal", "spec-temporal_ordered", "spec-value_sum", "spec-value_avg", "spec-example-chain",
    ]

    @Test(arguments: cases)
    func windowsEqualOracle(_ name: String) throws {
        let testCase = try OracleCase(name)
        #expect(testCase.diagnostics.isEmpty, "\(testCase.diagnostics)")
        #expect(testCase.oracleErrors.isEmpty)
        let alerts = run(testCase, options: CorrelationOptions(lateness: .seconds(0), emit: .all))
        compare(testCase, alerts)
    }

    @Test func percentileWithoutPercentileIsRejectedLikeTheOracle() throws {
        let testCase = try OracleCase("spec-value_percentile")
        #expect(testCase.oracleErrors.count == 1)
        #expect(testCase.ruleSet.rules.isEmpty)
        #expect(testCase.diagnostics.map(\.message) == ["value_percentile needs 'condition.percentile' (0 to 100), as pySigma reads it"])
    }
}

/// Runs a case through a fresh engine in batches of `batch` detections, then finishes.
func run(_ testCase: OracleCase, options: CorrelationOptions, batch: Int = 16, detections: [Detection]? = nil) -> [Alert] {
    let engine = CorrelationEngine(ruleSet: testCase.ruleSet, options: options)
    var alerts: [Alert] = []
    let input = detections ?? testCase.detections
    var index = 0
    while index < input.count {
        let slice = Array(input[index..<min(index + batch, input.count)])
        let latest = slice.map(\.time).max()
        engine.ingest(slice, latestEventTime: latest)
        alerts += engine.advance()
        index += batch
    }
    alerts += engine.finish()
    return alerts
}

func compare(_ testCase: OracleCase, _ alerts: [Alert], sourceLocation: SourceLocation = #_sourceLocation) {
    let actual = testCase.windows(of: alerts).filter { testCase.comparedRules.contains($0.key.rule) }
    let missing = testCase.expected.keys.filter { actual[$0] == nil }.sorted { $0.description < $1.description }
    let extra = actual.keys.filter { testCase.expected[$0] == nil }.sorted { $0.description < $1.description }
    #expect(
        missing.isEmpty, "\(testCase.name): \(missing.count) oracle windows missing, e.g. \(missing.prefix(5))",
        sourceLocation: sourceLocation)
    #expect(
        extra.isEmpty, "\(testCase.name): \(extra.count) windows the oracle does not have, e.g. \(extra.prefix(5))",
        sourceLocation: sourceLocation)
    var wrong: [String] = []
    for (window, metric) in testCase.expected {
        guard let value = actual[window] else { continue }
        if abs(value - metric) > 1e-9 * max(1, abs(metric)) { wrong.append("\(window): vigil \(value), oracle \(metric)") }
    }
    #expect(
        wrong.isEmpty, "\(testCase.name): \(wrong.count) metrics differ, e.g. \(wrong.sorted().prefix(5))", sourceLocation: sourceLocation)
}
