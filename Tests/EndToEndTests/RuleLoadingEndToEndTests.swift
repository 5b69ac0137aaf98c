import Foundation
import Testing
import VigilTestSupport

/// Bad rules and decoders stop `vigil run` before input; `--skip-bad-rules`; `vigil check` and
/// `vigil parse` with the wired stages.
@Suite("rules and decoders: loading, problems, check and parse")
struct RuleLoadingEndToEndTests {
    static let badRule = """
        title: Broken
        id: 5f0c7c1e-2d53-4b43-9f4b-3a2b6f9f0b11
        logsource:
            product: linux
        detection:
            selection:
                user|nosuchmodifier: root
            condition: selection
        """

    static let badDecoder = """
        decoders:
          - name: broken
            applies_to: {programs: [sshd]}
            pattern: '^Failed (?<user>\\S+'
        """

    @Test("a bad rule: every problem as file:line:column, exit 2, no input read")
    func badRuleStopsBeforeInput() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yml")
        try Self.badRule.write(to: file, atomically: true, encoding: .utf8)
        // The input does not exist: had vigil opened it first, the error would be about the input.
        let result = try runVigil(["run", "--rules", file.path, "/nonexistent/input.log"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file.path):7:"), "\(result.stderr)")
        #expect(!result.stderr.contains("/nonexistent/input.log"))
        #expect(!result.stderr.contains("events in"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a bad decoder: PCRE2's message at file:line:column, exit 2, no input read")
    func badDecoderStopsBeforeInput() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad-decoder.yml")
        try Self.badDecoder.write(to: file, atomically: true, encoding: .utf8)
        for command in ["run", "parse"] {
            let result = try runVigil([command, "--decoders", file.path, "/nonexistent/input.log"])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("\(file.path):4:"), "\(result.stderr)")
            #expect(result.stderr.contains("missing closing parenthesis"), "\(result.stderr)")
            #expect(!result.stderr.contains("/nonexistent/input.log"))
        }
    }

    /// A rule with two problems, and a Sigma 1 collection (five follow-on problems if read document by document).
    static let badTwice = """
        title: Broken twice
        logsource: {product: linux}
        detection:
            sel: {user|nosuchmodifier: root, host|alsonot: x}
            condition: sel
        """
    static var sigma1Collection: String {
        (try? String(contentsOf: TestPaths.fixture("Sigma/check/rules/sigma1_collection.yml"), encoding: .utf8)) ?? ""
    }

    @Test("--skip-bad-rules logs each bad file once, with its first problem")
    func skipBadRulesLogsEachFileOnce() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let twice = folder.appendingPathComponent("twice.yml"), sigma1 = folder.appendingPathComponent("sigma1.yml")
        try Self.badTwice.write(to: twice, atomically: true, encoding: .utf8)
        try Self.sigma1Collection.write(to: sigma1, atomically: true, encoding: .utf8)
        let result = try runVigil(["run", "--rules", folder.path, "--skip-bad-rules"], stdin: Data("x\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let logged = result.stderr.split(separator: "\n").filter { $0.contains(" vigil: ") }
        #expect(logged.count == 2, "\(result.stderr)")
        #expect(logged.filter { $0.contains("skipped bad file \(twice.path): 4:") && $0.contains("(and 1 more;") }.count == 1)
        #expect(logged.filter { $0.contains("skipped bad file \(sigma1.path): 1:9: Sigma 1 rule collection") }.count == 1)
        #expect(result.stderr.contains("skipped (bad) files: \(sigma1.path), \(twice.path)"))
    }

    @Test("a Sigma 1 rule collection: one clear problem, not one per document")
    func sigma1CollectionIsOneProblem() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("collection.yml")
        try Self.sigma1Collection.write(to: file, atomically: true, encoding: .utf8)
        let result = try runVigil(["run", "--rules", file.path], stdin: Data("x\n".utf8))
        #expect(result.status == 2)
        let problems = result.stderr.split(separator: "\n").filter { $0.hasPrefix(file.path) }
        #expect(problems.count == 1, "\(result.stderr)")
        #expect(problems.first?.contains(":1:9: Sigma 1 rule collection ('action: global') is not supported") == true)
    }

    @Test("--skip-bad-rules loads the rest and logs each skipped file")
    func skipBadRules() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.badRule.write(to: folder.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        let good = TestPaths.packageRoot.appendingPathComponent("rules/sigma/correlation/mr_ssh_bruteforce.yml")
        try FileManager.default.copyItem(at: good, to: folder.appendingPathComponent("good.yml"))
        let input = TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log").path
        let refused = try runVigil(["run", "--rules", folder.path, input])
        #expect(refused.status == 2)
        let result = try runVigil(["run", "--rules", folder.path, "--skip-bad-rules", input])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("skipped bad file \(folder.appendingPathComponent("bad.yml").path)"))
        #expect(result.stderr.contains("skipped (bad) files:"))
        #expect(try alertObjects(result.stdout).contains { ruleName($0) == "ssh_bruteforce" })
    }

    @Test("vigil check reports correlation rule problems with file:line:column and exit 1")
    func checkReportsCorrelationProblems() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("corr.yml")
        let text = """
            title: Too many of nothing
            name: nothing_burst
            correlation:
                type: event_count
                rules:
                    - no_such_rule
                group-by:
                    - src_ip
                timespan: 1m
                condition:
                    gte: 5
            ---
            title: Bad timespan
            name: bad_span
            correlation:
                type: event_count
                rules:
                    - nothing_burst
                timespan: 1x
                condition:
                    gte: 5
            """
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try runVigil(["check", file.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("\(file.path):6:") && $0.contains("no_such_rule") }, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("\(file.path):19:") && $0.contains("timespan") }, "\(result.stdout)")
        let shipped = try runVigil(["check", "rules/sigma"])
        #expect(shipped.status == 0, "\(shipped.stdout)")
    }

    @Test("vigil parse shows the decoder and the decoded fields")
    func parseShowsDecodedFields() throws {
        let line = "Mar  1 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2\n"
        let result = try runVigil(["parse"], stdin: Data(line.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let event = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(event["decoder"] as? String == "sshd-failed")
        let fields = event["fields"] as? [String: Any]
        #expect(fields?["src_ip"] as? String == "198.51.100.51")
        #expect(fields?["user"] as? String == "root")
        let undecoded = try runVigil(["parse", "--no-decoders"], stdin: Data(line.utf8))
        #expect(!undecoded.stdout.contains("\"decoder\""))
    }
}
