import Foundation
import Testing
import VigilTestSupport

/// `--logsources FILE` lays a mapping over the shipped one, `--no-default-logsources` leaves the shipped
/// one out; `run`, `parse` and `check` take both with the same meaning.
@Suite("--logsources over the shipped mapping, --no-default-logsources")
struct LogsourceOptionsEndToEndTests {
    /// One source more: the whole shipped file need not be copied.
    static let overlay = """
        sources:
          - {name: acme, app: acmed, logsource: {product: acme, service: acmed}}
        """
    static let rules = """
        title: Widget jammed
        name: acme_jam
        logsource: {product: acme, service: acmed}
        detection:
            sel: {msg|contains: jammed}
            condition: sel
        ---
        title: Root password failure
        name: root_failure
        logsource: {product: linux, service: sshd}
        detection:
            sel: {user: root, outcome: failure}
            condition: sel
        """
    static let log = """
        Mar  1 10:00:00 plant1 acmed[12]: widget jammed on line 4
        Mar  1 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2

        """

    /// Writes the overlay, the rules and a broken overlay into a fresh folder.
    static func files() throws -> (folder: URL, overlay: String, rules: String, broken: String) {
        let folder = try temporaryDirectory()
        let overlay = folder.appendingPathComponent("overlay.yml")
        let rules = folder.appendingPathComponent("rules.yml")
        let broken = folder.appendingPathComponent("broken.yml")
        try Self.overlay.write(to: overlay, atomically: true, encoding: .utf8)
        try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
        try "sources:\n  - {name: x, app: x, logsource: {product: x}, fieldmap: nosuchmap}\n".write(
            to: broken, atomically: true, encoding: .utf8)
        return (folder, overlay.path, rules.path, broken.path)
    }

    /// Mapping options -> the rules that alert.
    static let cases: [(options: [String], alerting: [String])] = [
        ([], ["root_failure"]),
        (["--logsources", "OVERLAY"], ["acme_jam", "root_failure"]),
        (["--no-default-logsources", "--logsources", "OVERLAY"], ["acme_jam"]),
        (["--no-default-logsources"], []),
    ]

    @Test(arguments: cases)
    func run(_ options: [String], _ alerting: [String]) throws {
        let (folder, overlay, rules, _) = try Self.files()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = options.map { $0 == "OVERLAY" ? overlay : $0 }
        let result = try runVigil(["run", "--rules", rules, "--year", "2026"] + arguments, stdin: Data(Self.log.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(try alertObjects(result.stdout).map(ruleName)) == Set(alerting))
    }

    @Test("a problem in the overlay is reported at its file:line:column by run, parse and check")
    func problemsInTheOverlay() throws {
        let (folder, _, rules, broken) = try Self.files()
        defer { try? FileManager.default.removeItem(at: folder) }
        let problem = "\(broken):2:58: source 'x': unknown field map 'nosuchmap'"
        for command in ["run", "parse"] {
            let result = try runVigil([command, "--logsources", broken], stdin: Data(Self.log.utf8))
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.split(separator: "\n").first.map(String.init) == problem, "\(command): \(result.stderr)")
        }
        let checked = try runVigil(["check", "--logsources", broken, rules])
        #expect(checked.status == 1)
        #expect(checked.stdout == problem + "\n")
        let overlay = folder.appendingPathComponent("overlay.yml").path
        for options in [["--logsources", overlay], ["--no-default-logsources", "--logsources", overlay]] {
            let valid = try runVigil(["check"] + options + [rules])
            #expect(valid.status == 0 && valid.stdout.isEmpty, "\(valid.stdout)")
        }
    }
}
