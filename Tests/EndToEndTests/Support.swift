import Foundation
import VigilTestSupport

/// A fresh temporary path for `--stats-json`.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-\(UUID().uuidString)-\(name)").path
}

/// Reads the JSON object `vigil` wrote with `--stats-json`.
func readStats(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try? FileManager.default.removeItem(atPath: path)
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// `stats["a"]["b"]` as an integer (0 when absent).
func integer(_ stats: [String: Any], _ path: String...) -> Int {
    var value: Any? = stats
    for key in path { value = (value as? [String: Any])?[key] }
    return (value as? NSNumber)?.intValue ?? 0
}

extension ProcessResult {
    /// The exit status and stderr (what a shell-run vigil gives too).
    var outcome: (status: Int32, stderr: String) { (status, stderr) }
}

/// A `vigil` process running in the background (listeners, signals), its stderr collected as it comes.
///
/// A `vigil run` stopped by a signal keeps its correlation state in its `--state-dir` (default
/// `./vigil-state`, here the package root): unless the test names one, each run gets a fresh temporary
/// state directory, so that no run continues from another test's state.
final class RunningVigil: Sendable {
    let process: Process
    /// The state directory given for the test (removed with this object).
    private let temporaryStateDirectory: String?
    /// The run's `--state-dir`.
    let stateDirectory: String?
    /// The child's standard error, read on a thread of its own (see ``PipeReader`` for why not a
    /// readability handler).
    private let errorReader = PipeReader()

    /// `stdout`: a file to write standard output to (default: discarded). `launcher` runs vigil through
    /// another program that execs it (`prlimit --nofile=64:64`), so the process id stays vigil's.
    /// `binary` is the debug build unless a test needs the release one's speed.
    init(
        _ arguments: [String], stdin: Pipe? = nil, stdout: String? = nil, launcher: [String] = [],
        binary: URL = TestPaths.vigilBinary
    ) throws {
        var arguments = arguments
        if arguments.first == "run" && !arguments.contains("--state-dir") {
            let directory = temporaryPath("state")
            arguments += ["--state-dir", directory]
            temporaryStateDirectory = directory
        } else {
            temporaryStateDirectory = nil
        }
        stateDirectory = arguments.firstIndex(of: "--state-dir").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = TestPaths.packageRoot
        process.standardError = errorReader.pipe
        if let stdout {
            _ = FileManager.default.createFile(atPath: stdout, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        errorReader.start()
    }

    deinit {
        if let temporaryStateDirectory { try? FileManager.default.removeItem(atPath: temporaryStateDirectory) }
    }

    /// What the child wrote to standard error so far; once it has exited, all of it (the reader gets
    /// end of file a moment after the exit).
    var stderr: String {
        if !process.isRunning { errorReader.waitForEnd(seconds: 5) }
        return errorReader.text
    }

    /// The ports of the `listening on udp|tcp HOST:PORT` log lines, waiting up to 20 s for `count`.
    func listeningPorts(count: Int) -> [String: Int] {
        for _ in 0..<400 {
            var ports: [String: Int] = [:]
            for line in stderr.split(separator: "\n") {
                guard let range = line.range(of: "listening on ") else { continue }
                // `listening on udp 127.0.0.1:5140`; other libraries' lines (Hummingbird's) have another shape.
                let words = line[range.upperBound...].split(separator: " ")
                guard words.count >= 2, let port = words[1].split(separator: ":").last.flatMap({ Int($0) }) else { continue }
                ports[String(words[0])] = port
            }
            if ports.count >= count { return ports }
            usleep(50_000)
        }
        return [:]
    }

    /// Waits (up to `seconds`) for the process to exit by itself; its status, or nil when it did not.
    func waitForExit(seconds: Int = 20) -> Int32? {
        for _ in 0..<seconds * 20 where process.isRunning { usleep(50_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// After ``stop(signal:)``: a `vigil run` over no input that continues from the correlation state the
    /// stopped run kept, and so decides every window it left open (what the signal itself did before
    /// restarts kept state). `arguments`: the rules and correlation options of the stopped run; the
    /// alerts are in its standard output.
    func decideKeptWindows(_ arguments: [String]) throws -> ProcessResult {
        try runVigil(["run"] + arguments + ["--state-dir", stateDirectory ?? "vigil-state"])
    }

    /// Sends `signal` and waits (up to `waitingSeconds`) for the exit status.
    func stop(signal: Int32 = SIGTERM, waitingSeconds: Int = 20) -> Int32? {
        kill(process.processIdentifier, signal)
        for _ in 0..<waitingSeconds * 20 where process.isRunning { usleep(50_000) }
        guard !process.isRunning else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }
}
