import Foundation
import Testing
import VigilTestSupport

/// Rule files are input too (issue 12): nesting that overflowed the stack, and an expression whose
/// normal form took a minute and a gigabyte, are clear file:line:column errors, in `vigil check` and in
/// `vigil run` (also with --skip-bad-rules, which leaves the file out).
@Suite("hostile rule files")
struct HostileRuleEndToEndTests {
    static func rule(_ condition: String, name: String = "r") -> String {
        "title: t\nname: \(name)\nlogsource: {product: linux}\ndetection:\n    sel: {a: b}\n    condition: \(condition)\nlevel: low\n"
    }

    static func correlation(_ condition: String) -> String {
        rule("sel") + "---\ntitle: c\ncorrelation:\n    type: temporal\n    rules: [r, s]\n    timespan: 1m\n    condition: \(condition)\n"
            + "---\n" + rule("sel", name: "s")
    }

    static func chain(_ depth: Int) -> String {
        var documents = [rule("sel", name: "c0")]
        for i in 1...depth {
            documents.append(
                "title: c\(i)\nname: c\(i)\ncorrelation: {type: event_count, rules: [c\(i - 1)], timespan: 1m, condition: {gte: 1}}\n")
        }
        return documents.joined(separator: "---\n")
    }

    static let cases: [(name: String, text: String, message: String)] = [
        (
            "30,000 parentheses", rule(String(repeating: "(", count: 30000) + "sel" + String(repeating: ")", count: 30000)),
            "more than 64 levels deep"
        ),
        ("100,000 not", rule(String(repeating: "not ", count: 100_000) + "sel"), "more than 64 levels deep"),
        (
            "30,000 parentheses in a temporal expression",
            correlation(String(repeating: "(", count: 30000) + "r" + String(repeating: ")", count: 30000)), "more than 64 levels deep"
        ),
        ("30 ORs joined by AND", correlation(Array(repeating: "(r or s)", count: 30).joined(separator: " and ")), "more than 32 clauses"),
        ("a chain of 40 correlations", chain(40), "chained more than 32 deep"),
    ]

    @Test(arguments: cases.indices)
    func refusedWithAPositionNotACrash(index: Int) throws {
        let (name, text, message) = Self.cases[index]
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("hostile.yml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let started = Date()
        let check = try runVigil(["check", file.path])
        #expect(check.status == 1, "\(name): \(check.stderr.prefix(300))")
        #expect(check.stdout.contains("hostile.yml:") && check.stdout.contains(message), "\(name): \(check.stdout.prefix(300))")
        let run = try runVigil(["run", "--rules", file.path], stdin: Data("x\n".utf8))
        #expect(run.status == 2, "\(name): \(run.stderr.prefix(300))")
        let skipping = try runVigil(["run", "--skip-bad-rules", "--rules", file.path], stdin: Data("x\n".utf8))
        #expect(skipping.status == 0, "\(name): \(skipping.stderr.prefix(300))")
        #expect(Date().timeIntervalSince(started) < 30, "\(name)")
    }
}
