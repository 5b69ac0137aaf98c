import Foundation
import Testing
import VigilTestSupport

/// `vigil check` through the built binary: every problem it can report, one fixture file each
/// (Tests/Fixtures/Sigma/check), with the exact `file:line:column: message` lines expected.
struct CheckCommandTests {
    static let directory = TestPaths.fixture("Sigma/check")

    /// file name -> expected output lines (paths relative to the fixture's rules/ or check/ folder).
    static func expectations(_ name: String) -> [String: [String]] {
        let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let file = String(line.prefix { $0 != ":" })
            result[(file as NSString).lastPathComponent, default: []].append(String(line))
        }
        return result
    }

    static let ruleCases = expectations("expected.txt").keys.sorted()
    static let configurationCases = expectations("expected-configs.txt").keys.sorted()

    @Test func everyFixtureHasAnExpectation() throws {
        let rules = try FileManager.default.contentsOfDirectory(atPath: Self.directory.appendingPathComponent("rules").path)
        let configs = try FileManager.default.contentsOfDirectory(atPath: Self.directory.appendingPathComponent("configs").path)
        #expect(Set(rules) == Set(Self.ruleCases))
        #expect(Set(configs) == Set(Self.configurationCases))
    }

    @Test(arguments: ruleCases)
    func ruleProblem(_ file: String) throws {
        let rules = Self.directory.appendingPathComponent("rules").path
        let placeholders = Self.directory.appendingPathComponent("placeholders.yml").path
        let result = try runVigil(["check", "--logsources", placeholders, rules + "/" + file])
        #expect(result.status == 1)
        let lines = result.stdout.replacingOccurrences(of: rules + "/", with: "").split(separator: "\n").map(String.init)
        #expect(lines == Self.expectations("expected.txt")[file])
    }

    @Test(arguments: configurationCases)
    func configurationProblem(_ file: String) throws {
        let root = Self.directory.path + "/"
        let result = try runVigil(["check", "--logsources", root + "configs/" + file, root + "valid.yml"])
        #expect(result.status == 1)
        let lines = result.stdout.replacingOccurrences(of: root, with: "").split(separator: "\n").map(String.init)
        #expect(lines == Self.expectations("expected-configs.txt")[file])
    }

    @Test func missingPathsAndUnreadableConfiguration() throws {
        let result = try runVigil(["check", "--logsources", "/nonexistent/logsources.yml", "/nonexistent/rules"])
        #expect(result.status == 1)
        #expect(
            result.stdout.split(separator: "\n") == [
                "/nonexistent/logsources.yml:0:0: cannot read logsource configuration",
                "/nonexistent/rules:0:0: no such file or directory",
            ])
    }

    @Test func validRulesExitZeroSilently() throws {
        let result = try runVigil(["check", "rules/sigma", Self.directory.appendingPathComponent("valid.yml").path])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.isEmpty)
    }

    static let correlation = """
        title: Bursts
        name: bursts
        correlation:
            type: event_count
            rules: [valid_rule]
            group-by: [F]
            timespan: 1m
            condition: {gte: 5}
        """
    static let brokenTwice = """
        title: Broken twice
        logsource: {product: p}
        detection:
            sel: {a|nosuchmodifier: x, b|alsonot: y}
            condition: sel
        """

    /// Files written into a fresh folder (name -> text), check's options -> the summary line.
    static let summaryCases: [(files: [String: String], options: [String], summary: String)] = [
        (
            ["valid.yml": "name: valid_rule\n" + validRule], [],
            "vigil check: 1 rule (1 detection, 0 filters, 0 correlation) in 1 file, logsource mapping rules/logsources.yml, tier policy rules/tiers.yml: no problems"
        ),
        (
            ["valid.yml": "name: valid_rule\n" + validRule + "---\n" + correlation, "broken.yml": brokenTwice], [],
            "vigil check: 3 rules (2 detection, 0 filters, 1 correlation) in 2 files, logsource mapping rules/logsources.yml, tier policy rules/tiers.yml: "
                + "2 problems in 1 file"
        ),
        (
            ["a.yml": validRule, "b.yml": validRule.replacingOccurrences(of: "title: valid", with: "title: other")],
            ["--no-default-logsources"],
            "vigil check: 2 rules (2 detection, 0 filters, 0 correlation) in 2 files, no logsource mapping, tier policy rules/tiers.yml: no problems"
        ),
        (
            [
                "sigma1.yml": (try? String(contentsOf: directory.appendingPathComponent("rules/sigma1_collection.yml"), encoding: .utf8))
                    ?? ""
            ],
            [],
            "vigil check: 0 rules (0 detection, 0 filters, 0 correlation) in 1 file, logsource mapping rules/logsources.yml, tier policy rules/tiers.yml: "
                + "1 problem in 1 file"
        ),
    ]

    static var validRule: String {
        (try? String(contentsOf: directory.appendingPathComponent("valid.yml"), encoding: .utf8)) ?? ""
    }

    @Test("check ends with one summary line on stderr: rules and files read, the mapping, problems", arguments: summaryCases)
    func summaryLine(_ files: [String: String], _ options: [String], _ summary: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let result = try runVigil(["check"] + options + [folder.path])
        #expect(result.status == (summary.hasSuffix("no problems") ? 0 : 1), "\(result.stdout)")
        #expect(result.stderr == summary + "\n")
        #expect(!result.stdout.contains("vigil check:"))
    }
}
