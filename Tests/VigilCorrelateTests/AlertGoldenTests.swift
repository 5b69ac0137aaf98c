import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilEvent
import VigilTestSupport

/// The alerts of chained and numeric rules, byte for byte and in the engine's order, against golden
/// files: evidence, chained windows' nested evidence and measured values must not change unnoticed.
///
/// The golden files (Tests/Fixtures/Correlate/golden) were written by this test with
/// `VIGIL_UPDATE_GOLDEN=1`, from the engine of commit fb37cc5; rewrite them only for a deliberate
/// change of the output, and say so. Rewritten for episode ids made of the group's day and episode
/// number (branch `latency`): against the engine before, under the same alert rendering, only
/// `episode.id` differs.
@Suite struct AlertGoldenTests {
    /// Small enough to keep in the repository: one piece of evidence per alert; `all` (many alerts)
    /// only for chained rules.
    static let cases: [(String, CorrelationOptions.Emit)] = [
        ("gen-chained", .all), ("gen-chained", .episodes), ("spec-example-chain", .all), ("spec-example-chain", .threshold),
        ("spec-value_sum", .episodes), ("spec-value_avg", .episodes),
    ]

    @Test(arguments: cases)
    func alertsEqualGolden(_ name: String, emit: CorrelationOptions.Emit) throws {
        let testCase = try OracleCase(name)
        var options = CorrelationOptions(lateness: .seconds(0), emit: emit)
        options.evidencePerAlert = 1
        let alerts = run(testCase, options: options)
        // Without the rules' file (also in chained evidence): the fixture's absolute path depends on
        // where the checkout is.
        let text = alerts.map { $0.jsonLine + "\n" }.joined()
            .replacingOccurrences(of: #","file":"[^"]*""#, with: "", options: .regularExpression)
        let golden = TestPaths.fixture("Correlate/golden/\(name).\(emit).jsonl")
        if ProcessInfo.processInfo.environment["VIGIL_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(!alerts.isEmpty)
        let actualLines = text.split(separator: "\n"), expectedLines = expected.split(separator: "\n")
        #expect(actualLines.count == expectedLines.count, "\(name) \(emit)")
        if let first = (0..<min(actualLines.count, expectedLines.count)).first(where: { actualLines[$0] != expectedLines[$0] }) {
            Issue.record("\(name) \(emit): line \(first + 1) differs:\n\(actualLines[first])\nexpected:\n\(expectedLines[first])")
        }
    }
}
