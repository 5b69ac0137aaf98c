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
}
