import Foundation
import Testing
import VigilTestSupport

/// Issue 14: the console in a real browser. `tests/browser/console_test.py` (Selenium, headless Chromium
/// from Debian) starts the built vigil with `--udp`, `--http` and a state directory of its own, and
/// checks what an analyst sees: an SSH brute force live in the tier-2 queue within 2 s, acknowledged and
/// escalated by clicking the page's buttons, the same triage state and history after SIGTERM, a restart
/// on the same state directory and a reload, user names like `<img src=x onerror=alert(1)>` shown as
/// text with no script run, and no Content-Security-Policy violation in the browser's log.
@Suite("the console in a real browser", .serialized)
struct ConsoleBrowserEndToEndTests {
    /// Whether `vigil run` has the `--http HOST:PORT` option (not `--http-token-file` and the like).
    static let runHasHTTPOption: Bool = {
        guard let help = try? runVigil(["run", "--help"]) else { return false }
        return (help.stdout + help.stderr).range(of: #"--http[ <=]"#, options: .regularExpression) != nil
    }()

    /// The Python with Selenium: `$VIGIL_BROWSER_PYTHON`, else `.venv/bin/python` (`make .venv`).
    static var python: String? {
        if let env = ProcessInfo.processInfo.environment["VIGIL_BROWSER_PYTHON"], !env.isEmpty { return env }
        let venv = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    @Test(
        "a brute force shows live in tier 2, is acknowledged and escalated through the page, keeps its triage and history across a restart; alert markup stays text",
        .enabled(
            if: runHasHTTPOption,
            "`vigil run --help` has no --http option yet: the console has no server to run in (issue 14 wires `vigil run --http HOST:PORT`)"
        ),
        .timeLimit(.minutes(5))
    )
    func consoleInABrowser() throws {
        let python = try #require(
            Self.python, "no Python with Selenium: run `make .venv` (or set VIGIL_BROWSER_PYTHON to a python that has it)")
        let work = TemporaryDirectory()
        var passed = false
        // A failure keeps the folder: vigil's logs, chromedriver's log and screenshots of the page.
        defer { if passed { work.remove() } }
        let script = TestPaths.packageRoot.appendingPathComponent("tests/browser/console_test.py").path
        let result = try runBrowserTest(
            python: python,
            arguments: [script, "--vigil", TestPaths.vigilBinary.path, "--workdir", work.file("browser")],
            output: work.file("console_test.out"), timeout: .seconds(240))
        let status = result.status.map(String.init) ?? "none (killed after 240 s)"
        #expect(result.status == 0, "tests/browser/console_test.py exited with status \(status) (files in \(work.path)):\n\(result.output)")
        passed = result.status == 0
    }

    /// Runs the script with its standard output and error in one file; kills it after `timeout`.
    private func runBrowserTest(python: String, arguments: [String], output: String, timeout: Duration) throws -> (
        status: Int32?, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? file.close() }
        process.standardOutput = file
        process.standardError = file
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let exited = waitUntil(timeout: timeout) { !process.isRunning }
        if !exited {
            // SIGKILL, not SIGTERM: a child started from a test's thread may have SIGTERM blocked. The
            // script bounds every wait itself, so this is the last resort.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (exited ? process.terminationStatus : nil, text)
    }
}
