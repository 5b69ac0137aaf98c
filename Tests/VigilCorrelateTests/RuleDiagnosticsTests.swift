import Foundation
import Testing
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Every error `vigil check` reports for correlation rules, with its line and column.
@Suite struct RuleDiagnosticsTests {
    /// Compiles YAML documents (after a known detection rule) and returns the diagnostics as
    /// `line:column: message` (the file name left out).
    static func diagnose(_ yaml: String) throws -> [String] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-corr-\(UUID().uuidString).yml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = SigmaFileLoader.load(paths: [url.path])
        let known = ["failed": RuleID(0), "accepted": RuleID(1), "0b6a7f10-0000-4000-8000-000000000001": RuleID(0)]
        let (_, diagnostics) = CorrelationRuleSet.compile(loaded.documents) { known[$0] }
        return (loaded.diagnostics + diagnostics).map { "\($0.line):\($0.column): \($0.message)" }
    }

    static let cases: [(String, String, [String])] = [
        (
            "unknown rule reference",
            "title: t\ncorrelation:\n  type: event_count\n  rules: [failed, nosuch]\n  group-by: [src_ip]\n  timespan: 1m\n  condition: {gte: 2}\n",
            ["4:19: unknown rule reference 'nosuch'"]
        ),
        (
            "bad timespan",
            "title: t\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 10x\n  condition: {gte: 2}\n",
            ["5:13: invalid timespan '10x': expected a number and a unit s, m, h, d (or w, M, y)"]
        ),
        (
            "zero timespan",
            "title: t\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 0m\n  condition: {gte: 2}\n",
            ["5:13: invalid timespan '0m': it must be greater than zero"]
        ),
        (
            "missing timespan and type",
            "title: t\ncorrelation:\n  rules: failed\n  condition: {gte: 2}\n",
            ["3:3: correlation has no 'type'", "3:3: correlation has no 'timespan'"]
        ),
        (
            "unknown type",
            "title: t\ncorrelation:\n  type: event_sum\n  rules: failed\n  timespan: 1m\n  condition: {gte: 2}\n",
            [
                "3:9: unknown correlation type 'event_sum' (expected one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile, value_median)"
            ]
        ),
        (
            "condition without comparison",
            "title: t\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 1m\n  condition: {above: 2}\n",
            [
                "6:15: unknown condition key 'above' (expected gt, gte, lt, lte, eq, neq, field, percentile)",
                "6:14: 'condition' needs a comparison: gt, gte, lt, lte, eq or neq",
            ]
        ),
        (
            "condition value not a number",
            "title: t\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 1m\n  condition: {gte: many}\n",
            ["6:20: condition 'gte' needs a number", "6:14: 'condition' needs a comparison: gt, gte, lt, lte, eq or neq"]
        ),
        (
            "missing condition",
            "title: t\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 1m\n",
            ["3:3: event_count correlation has no 'condition'"]
        ),
        (
            "missing field",
            "title: t\ncorrelation:\n  type: value_count\n  rules: failed\n  timespan: 1m\n  condition: {gte: 2}\n",
            ["6:14: value_count correlation needs 'condition.field'"]
        ),
        (
            "field list",
            "title: t\ncorrelation:\n  type: value_count\n  rules: failed\n  timespan: 1m\n  condition: {gte: 2, field: [a, b]}\n",
            ["6:30: a list of fields in 'condition.field' is not supported", "6:14: value_count correlation needs 'condition.field'"]
        ),
        (
            "percentile out of range",
            "title: t\ncorrelation:\n  type: value_percentile\n  rules: failed\n  timespan: 1m\n  condition: {gte: 2, field: x, percentile: 101}\n",
            [
                "6:45: 'condition.percentile' must be a number from 0 to 100",
                "6:14: value_percentile needs 'condition.percentile' (0 to 100), as pySigma reads it",
            ]
        ),
        (
            "ordered with lt",
            "title: t\ncorrelation:\n  type: temporal_ordered\n  rules: [failed, accepted]\n  timespan: 1m\n  condition: {lt: 2}\n",
            ["6:14: temporal_ordered supports one gt or gte comparison (rules matched in order)"]
        ),
        (
            "expression on event_count",
            "title: t\ncorrelation:\n  type: event_count\n  rules: [failed]\n  timespan: 1m\n  condition: failed and accepted\n",
            ["6:14: an expression condition is only allowed for temporal and temporal_ordered correlations"]
        ),
        (
            "expression syntax",
            "title: t\ncorrelation:\n  type: temporal\n  rules: [failed, accepted]\n  timespan: 1m\n  condition: failed and (not accepted\n",
            ["6:14: bad condition expression: missing ')' at character 25"]
        ),
        (
            "expression and rules disagree",
            "title: t\ncorrelation:\n  type: temporal\n  rules: [failed, accepted]\n  timespan: 1m\n  condition: failed and not other\n",
            ["6:14: rules not used in the condition: accepted"]
        ),
        (
            "contradiction",
            "title: t\ncorrelation:\n  type: temporal\n  rules: [failed]\n  timespan: 1m\n  condition: failed and not failed\n",
            ["6:14: the condition can never hold (every clause contradicts itself)"]
        ),
        (
            "alias names an unreferenced rule",
            "title: t\ncorrelation:\n  type: temporal\n  rules: [failed, accepted]\n  group-by: [ip]\n  timespan: 1m\n  aliases: {ip: {failed: src_ip, other: c-ip}}\n",
            ["7:34: alias 'ip' names rule 'other', which this correlation does not reference"]
        ),
        (
            "chained group-by the child lacks",
            "title: child\nname: child\ncorrelation: {type: event_count, rules: [failed], group-by: [src_ip], timespan: 1m, condition: {gte: 2}}\n---\ntitle: parent\ncorrelation:\n  type: event_count\n  rules: [child]\n  group-by: [user]\n  timespan: 5m\n  condition: {gte: 2}\n",
            [
                "8:11: group-by field 'user' is not a group-by field of correlation 'child' (a chained correlation reads only the group-by fields and the metric of the correlations it references)"
            ]
        ),
        (
            "cycle",
            "title: a\nname: a\ncorrelation: {type: event_count, rules: [b], timespan: 1m, condition: {gte: 2}}\n---\ntitle: b\nname: b\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {gte: 2}}\n",
            [
                "3:41: correlation references itself through a cycle of correlations",
                "7:41: correlation references itself through a cycle of correlations",
            ]
        ),
        (
            "reference to a broken correlation",
            "title: child\nname: child\ncorrelation: {type: event_count, rules: [failed], timespan: 1x, condition: {gte: 2}}\n---\ntitle: parent\ncorrelation: {type: event_count, rules: [child], timespan: 5m, condition: {gte: 2}}\n",
            [
                "3:61: invalid timespan '1x': expected a number and a unit s, m, h, d (or w, M, y)",
                "6:42: rule 'child' is a correlation with errors",
            ]
        ),
        (
            "duplicate name",
            "title: a\nname: dup\ncorrelation: {type: event_count, rules: [failed], timespan: 1m, condition: {gte: 2}}\n---\ntitle: b\nname: dup\ncorrelation: {type: event_count, rules: [failed], timespan: 1m, condition: {gte: 2}}\n",
            ["6:7: duplicate rule name 'dup' (first defined at FILE:1)"]
        ),
        (
            "metadata",
            "level: severe\ncorrelation:\n  type: event_count\n  rules: failed\n  timespan: 1m\n  condition: {gte: 2}\n  generate: maybe\n  window: 5\n",
            [
                "1:1: correlation rule has no 'title'", "1:8: 'level' must be one of informational, low, medium, high, critical",
                "8:3: unknown key 'window' in 'correlation'", "7:13: 'generate' must be true or false",
            ]
        ),
    ]

    @Test(arguments: cases.indices)
    func reportsProblemAtItsPlace(_ index: Int) throws {
        let (name, yaml, expected) = Self.cases[index]
        let actual = try Self.diagnose(yaml).map {
            $0.replacingOccurrences(of: #"/tmp/vigil-corr-[^:]+"#, with: "FILE", options: .regularExpression)
        }
        #expect(actual == expected, "\(name)")
    }

    @Test func validRulesCompileWithoutDiagnostics() throws {
        let yaml = """
            title: range
            correlation: {type: event_count, rules: [failed], group-by: [src_ip], timespan: 90m, condition: {gt: 100, lte: 200}}
            ---
            title: absence without rules list
            correlation: {type: temporal, group-by: [src_ip], timespan: 10m, condition: failed and not accepted}
            ---
            title: median
            correlation: {type: value_median, rules: failed, timespan: 2h, condition: {field: bytes, lt: 10.5}}
            """
        #expect(try Self.diagnose(yaml) == [])
    }
}
