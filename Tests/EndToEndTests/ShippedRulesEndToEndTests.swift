import Foundation
import Testing
import VigilTestSupport

/// vigil from anywhere: the shipped decoders and logsource mapping are found from any current directory
/// (next to the binary in a build tree, under PREFIX/share/vigil once installed), and a run that finds
/// none says so on stderr, once.
@Suite("shipped rules found from any directory; make install")
struct ShippedRulesEndToEndTests {
    static let sshdLine = "Mar  1 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2\n"
    /// A path traversal that a SigmaHQ web rule (`category: webserver`) sees only through the mapping.
    static let accessLog = """
        203.0.113.9 - - [03/Mar/2024:16:00:00 +0000] "GET /static/../../../etc/passwd HTTP/1.1" 400 153 "-" "curl/8.0"

        """
    static let webRules = TestPaths.packageRoot.appendingPathComponent("rules/sigma/sigmahq/web").path
    static let decodersNotice = "no decoders loaded"
    static let logsourcesNotice = "no logsource mapping loaded"

    /// Alerts of the SigmaHQ path traversal rule in `vigil run` output.
    /// Episodes of the path traversal rule opened (each is then closed with its count).
    static func traversalAlerts(_ stdout: String) throws -> Int {
        try alertObjects(stdout).filter {
            ($0["rule"] as? [String: Any])?["title"] as? String == "Path Traversal Exploitation Attempts"
                && ($0["episode"] as? [String: Any])?["state"] as? String == "opened"
        }.count
    }

    /// How often `text` occurs in `output`.
    static func occurrences(_ text: String, in output: String) -> Int {
        output.components(separatedBy: text).count - 1
    }

    /// The decoder `vigil parse` printed for the one line it was given.
    static func decoder(_ stdout: String) throws -> String? {
        try (JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])?["decoder"] as? String
    }

    @Test("the built binary, run from a directory without rules, loads the checkout's decoders and mapping")
    func builtBinaryFromAnotherDirectory() throws {
        // The default binary lies in the package's .build; the search finds <package>/rules from there.
        #expect(TestPaths.vigilBinary.path.contains("/.build"), "VIGIL_BINARY outside a build tree: \(TestPaths.vigilBinary.path)")
        let elsewhere = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let parsed = try runVigil(["parse"], stdin: Data(Self.sshdLine.utf8), currentDirectory: elsewhere)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(try Self.decoder(parsed.stdout) == "sshd-failed")
        #expect(!parsed.stderr.contains(Self.decodersNotice) && !parsed.stderr.contains(Self.logsourcesNotice), "\(parsed.stderr)")
        let run = try runVigil(["run", "--rules", Self.webRules], stdin: Data(Self.accessLog.utf8), currentDirectory: elsewhere)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.traversalAlerts(run.stdout) == 1)
        #expect(run.stderr.contains(" 0 events without logsource"), "\(run.stderr)")
        let tested = try runVigil(["test"], currentDirectory: elsewhere)
        #expect(tested.status == 0 && tested.stdout.contains(" 0 failed"), "\(tested.stdout)\(tested.stderr)")
    }

    @Test("make install PREFIX=...: the installed binary finds PREFIX/share/vigil from any directory")
    func installedBinary() throws {
        let prefix = try temporaryDirectory()
        let elsewhere = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: prefix)
            try? FileManager.default.removeItem(at: elsewhere)
        }
        try make(["install", "PREFIX=\(prefix.path)", "INSTALL_BINARY=\(TestPaths.vigilBinary.path)"])
        let share = prefix.appendingPathComponent("share/vigil")
        // The whole rules/ tree, file for file.
        #expect(try Self.files(under: share) == Self.files(under: TestPaths.packageRoot.appendingPathComponent("rules")))
        let installed = prefix.appendingPathComponent("bin/vigil")
        let parsed = try runVigil(
            ["parse", "--log-level", "info"], stdin: Data(Self.sshdLine.utf8), binary: installed, currentDirectory: elsewhere)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(try Self.decoder(parsed.stdout) == "sshd-failed")
        #expect(parsed.stderr.contains("decoders: \(share.path)/decoders"), "\(parsed.stderr)")
        #expect(parsed.stderr.contains("logsource mapping: \(share.path)/logsources.yml"), "\(parsed.stderr)")
        let run = try runVigil(
            ["run", "--rules", share.appendingPathComponent("sigma/sigmahq/web").path], stdin: Data(Self.accessLog.utf8),
            binary: installed, currentDirectory: elsewhere)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.traversalAlerts(run.stdout) == 1)
        try make(["uninstall", "PREFIX=\(prefix.path)"])
        #expect(!FileManager.default.fileExists(atPath: installed.path) && !FileManager.default.fileExists(atPath: share.path))
    }

    @Test("a binary with no rules anywhere near says once that it loads no decoders and no mapping")
    func lonelyBinarySaysSo() throws {
        // A copy outside any build tree and any PREFIX; only the default install directory could help.
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lonely = folder.appendingPathComponent("vigil")
        try FileManager.default.copyItem(at: TestPaths.vigilBinary, to: lonely)
        let installedByDefault = FileManager.default.fileExists(atPath: "/usr/local/share/vigil/logsources.yml")
        let run = try runVigil(
            ["run", "--rules", Self.webRules], stdin: Data(Self.accessLog.utf8), binary: lonely, currentDirectory: folder)
        #expect(run.status == 0, "\(run.stderr)")
        if installedByDefault {
            #expect(try Self.traversalAlerts(run.stdout) == 1)
        } else {
            #expect(Self.occurrences(Self.decodersNotice, in: run.stderr) == 1, "\(run.stderr)")
            #expect(Self.occurrences(Self.logsourcesNotice, in: run.stderr) == 1, "\(run.stderr)")
            #expect(try Self.traversalAlerts(run.stdout) == 0)
            // Told not to load them: no notice.
            let quiet = try runVigil(
                ["run", "--rules", Self.webRules, "--no-decoders", "--no-default-logsources"], stdin: Data(Self.accessLog.utf8),
                binary: lonely, currentDirectory: folder)
            #expect(quiet.status == 0 && !quiet.stderr.contains("notice off"), "\(quiet.stderr)")
            // Without rules, the mapping does not matter to `run`; `parse` shows placements, so it does.
            let noRules = try runVigil(["run"], stdin: Data(Self.sshdLine.utf8), binary: lonely, currentDirectory: folder)
            #expect(!noRules.stderr.contains(Self.logsourcesNotice) && noRules.stderr.contains(Self.decodersNotice))
            let parsed = try runVigil(["parse"], stdin: Data(Self.sshdLine.utf8), binary: lonely, currentDirectory: folder)
            #expect(Self.occurrences(Self.logsourcesNotice, in: parsed.stderr) == 1, "\(parsed.stderr)")
            let checked = try runVigil(["check", Self.webRules], binary: lonely, currentDirectory: folder)
            #expect(checked.status == 0 && Self.occurrences(Self.logsourcesNotice, in: checked.stderr) == 1, "\(checked.stderr)")
        }
    }

    /// Relative paths of the regular files under `root`, sorted.
    static func files(under root: URL) throws -> [String] {
        let base = root.resolvingSymlinksInPath().path
        let enumerator = FileManager.default.enumerator(atPath: base)
        var result: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(path)
            }
        }
        return result.sorted()
    }

    /// Runs `make` in the package root; throws when it fails.
    func make(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["make", "--no-print-directory"] + arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailure(command: "make " + arguments.joined(separator: " "), status: process.terminationStatus)
        }
    }
}
