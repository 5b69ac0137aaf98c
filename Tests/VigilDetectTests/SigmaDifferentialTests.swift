import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// vigil against the pySigma oracle: every suite of Tests/Fixtures/Sigma/differential/suites.json
/// must match exactly the events the oracle matched (golden/*.json), rule by rule, except the
/// documented cases of spec-deviations.json, where vigil follows the specification.
struct SigmaDifferentialTests {
    static let directory = TestPaths.fixture("Sigma/differential")

    struct Suite: Sendable, CustomTestStringConvertible {
        struct Events: Sendable {
            var path: String
            var convert: String
            var logsource: String
        }
        var name: String
        var rules: [String]
        var events: [Events]
        var testDescription: String { name }
    }

    struct Deviation: Sendable {
        var vigil: [Int]
        var oracle: [Int]?
    }

    static let suites: [Suite] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("suites.json")),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["suites"] as? [[String: Any]]
        else { return [Suite(name: "missing suites.json", rules: [], events: [])] }
        return list.map { s in
            Suite(
                name: s["name"] as! String, rules: s["rules"] as! [String],
                events: (s["events"] as! [[String: String]]).map {
                    Suite.Events(path: $0["path"]!, convert: $0["convert"]!, logsource: $0["logsource"]!)
                })
        }
    }()

    /// suite -> rule id -> documented deviation.
    static let deviations: [String: [String: Deviation]] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("spec-deviations.json")),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["deviations"] as? [[String: Any]]
        else { return [:] }
        var result: [String: [String: Deviation]] = [:]
        for entry in list {
            result[entry["suite"] as! String, default: [:]][entry["id"] as! String] = Deviation(
                vigil: entry["vigil"] as! [Int], oracle: entry["oracle"] as? [Int])
        }
        return result
    }()

    static func resolve(_ path: String) -> URL {
        path.hasPrefix("shared:")
            ? TestPaths.shared(String(path.dropFirst("shared:".count))) : TestPaths.packageRoot.appendingPathComponent(path)
    }

    /// The events of one file, converted as oracle_golden.py converts them.
    static func batch(_ events: Suite.Events) throws -> EventBatch {
        let url = resolve(events.path)
        switch events.convert {
        case "lines":
            // Split bytes, not Characters: "\r\n" is one Character in Swift.
            let lines = try Data(contentsOf: url).split(separator: 0x0A, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
                .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            return TestEvents.jsonFields(lines.map { [("message", $0)] })
        case "jsonl-gz":
            return TestEvents.json([try gunzip(url)])
        default:
            return TestEvents.json([try String(contentsOf: url, encoding: .utf8)])
        }
    }

    static func gunzip(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// vigil's answer for a suite: Sigma rule id -> matched event numbers (1-based over the suite).
    static func vigilMatches(_ suite: Suite) throws -> [String: [Int]] {
        var matched: [String: [Int]] = [:]
        var offset = 0
        for events in suite.events {
            let batch = try batch(events)
            let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource.parse(events.logsource).logsource)
            let paths = suite.rules.map { resolve($0).path }
            let (ruleSet, diagnostics) = SigmaTesting.compile(paths: paths, configuration: configuration, options: options)
            #expect(diagnostics.isEmpty, "\(diagnostics)")
            #expect(ruleSet.count > 0)
            for (index, rules) in SigmaTesting.matches(ruleSet, batch).enumerated() {
                for rule in rules {
                    matched[ruleSet.rule(rule).id!, default: []].append(offset + index + 1)
                }
            }
            offset += batch.events.count
        }
        return matched
    }

    /// No logsource entries (each event file gets its suite's logsource), and values for the
    /// `expand` case.
    static let configuration: SigmaConfiguration = {
        let yaml = "placeholders:\n  Administrators: [root, admin, administrator]\n"
        return SigmaConfiguration.parse(yaml: yaml, file: "differential").configuration!
    }()

    static func golden(_ suite: Suite) -> (events: Int, matched: [String: [Int]])? {
        let url = directory.appendingPathComponent("golden/\(suite.name).json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return nil
        }
        return (root["events"] as! Int, root["matched"] as! [String: [Int]])
    }

    @Test(arguments: suites)
    func vigilMatchesTheOracle(_ suite: Suite) throws {
        let golden = try #require(Self.golden(suite), "no golden file for \(suite.name); run make oracle-refresh")
        let vigil = try Self.vigilMatches(suite)
        let deviations = Self.deviations[suite.name, default: [:]]
        let ids = Set(golden.matched.keys).union(vigil.keys).union(deviations.keys)
        for id in ids.sorted() {
            let mine = vigil[id, default: []]
            if let deviation = deviations[id] {
                #expect(mine == deviation.vigil, "\(suite.name) \(id): vigil \(mine), documented \(deviation.vigil)")
                #expect(golden.matched[id] == deviation.oracle, "\(suite.name) \(id): oracle answer changed; update spec-deviations.json")
            } else {
                #expect(
                    mine == golden.matched[id, default: []],
                    "\(suite.name) \(id) \(Self.title(id, suite)): vigil \(mine), oracle \(golden.matched[id, default: []])")
            }
        }
    }

    static func title(_ id: String, _ suite: Suite) -> String {
        let (ruleSet, _) = SigmaTesting.compile(paths: suite.rules.map { resolve($0).path }, configuration: configuration)
        return ruleSet.rule(id: id)?.title ?? "?"
    }

    /// With the oracle installed (make test creates .venv-oracle), the golden files must be what
    /// the oracle answers now.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_ORACLE_LIVE"] == "1"))
    func goldenFilesAreCurrent() throws {
        let python = TestPaths.packageRoot.appendingPathComponent(".venv-oracle/bin/python")
        let process = Process()
        process.executableURL = python
        process.arguments = [Self.directory.appendingPathComponent("oracle_golden.py").path, "--check"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
