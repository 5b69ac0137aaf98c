import Foundation
import Testing
import VigilTestSupport

@Suite("the run summary reports the rules the prefilter cannot skip")
struct PrefilterEndToEndTests {
    /// Two rules with a needle (a literal, a network), three without (a pattern that matches
    /// anything, a negation, a regular expression whose only literal is one byte).
    static let rules: [String: String] = [
        "contains.yml": "msg|contains: 'Failed password'",
        "cidr.yml": "src_ip|cidr: 10.0.0.0/8",
        "anything.yml": "msg|re: '^.*$'",
        "not.yml": "msg|contains: 'x'\n    condition: not sel",
        "short.yml": "msg|re: 'a\\d+b'",
    ]

    @Test("text summary and --stats-json give the count and share of always-evaluated rules")
    func alwaysEvaluatedShare() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-prefilter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, (name, selection)) in Self.rules.sorted(by: { $0.key < $1.key }).enumerated() {
            let condition = selection.contains("condition:") ? "" : "\n    condition: sel"
            let yaml = """
                title: prefilter \(name)
                id: 00000000-0000-0000-0000-00000000000\(index)
                logsource: {product: linux, service: sshd}
                detection:
                    sel:
                        \(selection)\(condition)

                """
            try yaml.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            ["run", "--rules", directory.path, TestPaths.fixture("EndToEnd/auth.log").path, "--stats-json", stats])
        #expect(result.status == 0, "\(result.stderr)")
        let line =
            "  prefilter: 3 of 5 rules (60.0 %) have no required literal or network and are evaluated on every event of their logsource"
        #expect(result.stderr.split(separator: "\n").contains { $0 == line }, "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "detection", "always_evaluated_rules") == 3)
        #expect(((json["detection"] as? [String: Any])?["always_evaluated_share"] as? NSNumber)?.doubleValue == 0.6)
    }
}
