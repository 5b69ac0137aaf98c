import Testing
import VigilAlert
import VigilEvent

@testable import VigilPipeline

/// The tier policy, table-driven: defaults by level, overrides by id over name over tag, and its file
/// format's errors with their positions.
@Suite("TierPolicy")
struct TierPolicyTests {
    static let policy = try! TierPolicy.parse(
        """
        overrides:
          - tag: attack.impact
            tier: 3
          - tag: attack.discovery
            tier: none
          - name: named_rule
            tier: 1
            key: [src_ip]
          - id: rule-with-id
            tier: 2
            gap: 30m
        """, file: "tiers.yml")

    struct Case: Sendable, CustomTestStringConvertible {
        var level: String
        var id = "some-id"
        var name: String? = nil
        var tags: [String] = []
        var tier: Int?
        var key = ["host"]
        var gap = Timestamp.Duration.seconds(600)
        var testDescription: String { "\(level) id=\(id) name=\(name ?? "-") tags=\(tags) → \(tier.map(String.init) ?? "none")" }
    }

    static let cases: [Case] = [
        Case(level: "informational", tier: nil),
        Case(level: "low", tier: 1),
        Case(level: "medium", tier: 1),
        Case(level: "high", tier: 2),
        Case(level: "critical", tier: 3),
        // A tag raises the tier, and among tags the highest wins.
        Case(level: "low", tags: ["attack.impact"], tier: 3),
        Case(level: "high", tags: ["attack.discovery", "attack.impact"], tier: 3),
        Case(level: "high", tags: ["attack.discovery"], tier: nil),
        // Name wins over tag, id over name.
        Case(level: "critical", name: "named_rule", tags: ["attack.impact"], tier: 1, key: ["src_ip"]),
        Case(level: "low", id: "rule-with-id", name: "named_rule", tags: ["attack.impact"], tier: 2, key: ["src_ip"], gap: .seconds(1800)),
    ]

    @Test(arguments: cases)
    func decide(_ test: Case) {
        let rule = Alert.Rule(id: test.id, name: test.name, title: "t", level: test.level, tags: test.tags)
        let decision = Self.policy.decide(rule)
        #expect(decision.tier == test.tier)
        #expect(decision.key == test.key)
        #expect(decision.gap == test.gap)
    }

    @Test("the shipped rules/tiers.yml loads and keeps the documented defaults")
    func shippedPolicy() throws {
        let policy = try TierPolicy.load(path: TestPathsForPipeline.root + "/rules/tiers.yml")
        #expect(policy.levels["informational"]! == nil)
        #expect(policy.levels["critical"]! == 3)
        #expect(policy.suppression.gap == .seconds(600))
        #expect(policy.suppression.key == ["host"])
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var expected: String
        var testDescription: String { expected }
    }

    static let badCases: [BadCase] = [
        BadCase(yaml: "levels:\n  high: 4\n", expected: "tiers.yml:2:9: a tier is 1, 2, 3 or none, not '4'"),
        BadCase(yaml: "levls:\n  high: 2\n", expected: "tiers.yml:1:1: unknown key 'levls' in the tier policy"),
        BadCase(yaml: "suppression:\n  gap: soon\n", expected: "tiers.yml:2:8: 'soon' is no positive duration"),
        BadCase(yaml: "escalation:\n  count: 1\n", expected: "tiers.yml:2:10: escalation count must be a whole number of at least 2"),
        BadCase(yaml: "overrides:\n  - tier: 2\n", expected: "tiers.yml:2:5: an override needs one of id, name or tag"),
        BadCase(yaml: "overrides:\n  - tag: a\n", expected: "tiers.yml:2:5: an override must set tier, key or gap"),
        BadCase(yaml: "overrides: [\n", expected: "tiers.yml:2:1: YAML syntax error"),
        BadCase(yaml: "suppression:\n  key: []\n", expected: "tiers.yml:2:8: a key has 1 to 8 fields"),
    ]

    @Test(arguments: badCases)
    func problemsArePlaced(_ test: BadCase) {
        do {
            _ = try TierPolicy.parse(test.yaml, file: "tiers.yml")
            Issue.record("accepted: \(test.yaml)")
        } catch {
            let text = error.diagnostics.map(\.description).joined(separator: "\n")
            #expect(text.contains(test.expected), "\(text)")
        }
    }
}

enum TestPathsForPipeline {
    /// The package root (this file is Tests/VigilPipelineTests/TierPolicyTests.swift).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
