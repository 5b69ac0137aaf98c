import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// Sigma filters (spec: Sigma Filters): a filter applies to the rules it names, as
/// `(rule condition) and (filter condition)`. The oracle cannot evaluate filters (see
/// spec-deviations.json), so the expected events are written out here.
struct SigmaFilterTests {
    @Test func filterRemovesMatchesFromTheRulesItNames() throws {
        let directory = TestPaths.fixture("Sigma/differential")
        let paths = ["rules", "filters"].map { directory.appendingPathComponent($0).path }
        let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "test"))
        let (ruleSet, diagnostics) = SigmaTesting.compile(
            paths: paths, configuration: SigmaDifferentialTests.configuration, options: options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let events = TestEvents.json([try String(contentsOf: directory.appendingPathComponent("events.jsonl"), encoding: .utf8)])
        let filtered = try #require(ruleSet.rules.first { $0.title == "filtered_rule" })
        let matched = SigmaTesting.matches(ruleSet, events).enumerated().filter { $0.element.contains(filtered.ruleID) }.map {
            $0.offset + 1
        }
        // Without the filter: 1, 2, 3, 5, 6, 7, 8, 9, 10, 20 (golden/generated.json); 1 is alice, 6 SYSTEM.
        #expect(matched == [2, 3, 5, 7, 8, 9, 10, 20])
        // Other rules are untouched.
        let endswith = try #require(ruleSet.rules.first { $0.title == "endswith" })
        #expect(SigmaTesting.matches(ruleSet, events).filter { $0.contains(endswith.ruleID) }.count == 4)
    }

    @Test func filterByRuleNameWithSelectorCondition() {
        let yaml = """
            title: base
            name: base_rule
            logsource: {product: p, service: s}
            detection:
                sel:
                    A|startswith: x
                condition: sel
            ---
            title: tuning
            logsource: {product: p}
            filter:
                rules: [base_rule]
                sel_one:
                    B: skip
                sel_two:
                    C: skip
                condition: not 1 of sel_*
            """
        let (ruleSet, diagnostics) = SigmaTesting.compile(
            yaml, options: SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "p", service: "s")))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let batch = TestEvents.json([#"{"A": "x1"}"#, #"{"A": "x2", "B": "skip"}"#, #"{"A": "x3", "C": "SKIP"}"#, #"{"A": "y"}"#])
        #expect(SigmaTesting.matchingEvents(ruleSet, batch) == [0])
    }
}
