import Foundation
import Synchronization
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
final class RunningVigil: Sendable {
    let process: Process
    private let stderrText = Mutex("")

    /// `stdout`: a file to write standard output to (default: discarded).
    init(_ arguments: [String], stdin: Pipe? = nil, stdout: String? = nil) throws {
        process = Process()
        process.executableURL = TestPaths.vigilBinary
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        let errors = Pipe()
        process.standardError = errors
        if let stdout {
            _ = FileManager.default.createFile(atPath: stdout, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardInput = stdin ?? FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            self?.stderrText.withLock { $0 += chunk }
        }
        try process.run()
    }

    var stderr: String { stderrText.withLock { $0 } }

    /// The ports of the `listening on udp|tcp HOST:PORT` log lines, waiting up to 20 s for `count`.
    func listeningPorts(count: Int) -> [String: Int] {
        for _ in 0..<400 {
            var ports: [String: Int] = [:]
            for line in stderr.split(separator: "\n") {
                guard let range = line.range(of: "listening on ") else { continue }
                let words = line[range.upperBound...].split(separator: " ")
                ports[String(words[0])] = Int(words[1].split(separator: ":").last!)
            }
            if ports.count >= count { return ports }
            usleep(50_000)
        }
        return [:]
    }

    /// Waits (up to 20 s) for the process to exit by itself; its status, or nil when it did not.
    func waitForExit() -> Int32? {
        for _ in 0..<400 where process.isRunning { usleep(50_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends `signal` and waits (up to 20 s) for the exit status.
    func stop(signal: Int32 = SIGTERM) -> Int32? {
        kill(process.processIdentifier, signal)
        for _ in 0..<400 where process.isRunning { usleep(50_000) }
        guard !process.isRunning else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }
}
