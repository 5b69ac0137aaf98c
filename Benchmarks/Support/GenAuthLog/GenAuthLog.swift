import Foundation

/// The workload every benchmark measures: `../shared/tools/gen-authlog.py` output, generated per run.
///
/// The script is looked up once here for all benchmark targets: `$VIGIL_GEN_AUTHLOG`, then
/// `../shared/tools` next to the repository, then `/work/shared/tools`.
public enum GenAuthLog {
    /// The vigil checkout (the folder above Benchmarks/).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The script's path; stops the benchmark with a message naming the places tried when it is missing.
    public static let script: String = {
        let candidates = [
            ProcessInfo.processInfo.environment["VIGIL_GEN_AUTHLOG"],
            repository.appendingPathComponent("../shared/tools/gen-authlog.py").standardizedFileURL.path,
            "/work/shared/tools/gen-authlog.py",
        ].compactMap { $0 }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            fatalError("gen-authlog.py not found (tried \(candidates)); set VIGIL_GEN_AUTHLOG")
        }
        return found
    }()

    /// Runs the script for `lines` events into `prefix.log` (auth.log lines) and `prefix.jsonl` (the same
    /// events as JSON lines); `seed` nil keeps the script's default. The caller removes the files.
    public static func generate(lines: Int, seed: Int? = nil, prefix: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "-n", String(lines), "--out", prefix] + (seed.map { ["--seed", String($0)] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { fatalError("cannot run gen-authlog.py: \(error)") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { fatalError("gen-authlog.py exited with \(process.terminationStatus)") }
    }

    /// The lines of a generated file, without their line feeds.
    public static func lines(ofFile path: String) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("gen-authlog output missing: \(path)") }
        return data.split(separator: 0x0A).map { Array($0) }
    }

    /// A temporary path prefix unique to this process.
    public static func temporaryPrefix(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(name)-bench-\(getpid())").path
    }
}
