import Benchmark
import Foundation
import GenAuthLog
import Logging
import VigilIngest
import VigilPipeline

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// End to end: raw auth.log bytes from a file -> parse -> decode -> detect -> correlate -> alerts, through
// `Runner.run`, the call `vigil run` makes, with the shipped rules (rules/decoders, rules/logsources.yml,
// rules/sigma including the correlation rules). Alerts go to /dev/null. Each iteration is one whole run,
// rule loading included: the "empty input" benchmark shows that fixed cost on its own.
//
// Data: ../shared/tools/gen-authlog.py (set VIGIL_GEN_AUTHLOG if it is elsewhere), generated once per
// process into a temporary file. One iteration is one run: lines/s = lines per run / wall clock.

let linesPerRun = 200_000

let benchmarks: @Sendable () -> Void = {
    let repository = GenAuthLog.repository
    let input = generateAuthLogFile(lines: linesPerRun)
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-bench-empty-\(getpid()).log")
    precondition(FileManager.default.createFile(atPath: empty.path, contents: Data()), "cannot create \(empty.path)")
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 5)

    for workers in [1, 2] {
        Benchmark(
            "vigil run, gen-authlog \(linesPerRun / 1_000)k lines, shipped rules, \(workers) worker(s)",
            configuration: configuration
        ) { benchmark in
            let options = runOptions(repository: repository, input: input.path, workers: workers)
            for _ in benchmark.scaledIterations {
                let summary = runQuietly(options)
                precondition(summary.events == UInt64(linesPerRun), "\(summary.events) events from \(linesPerRun) lines")
            }
        }
    }

    Benchmark("vigil run, empty input, shipped rules (rule loading and start-up)", configuration: configuration) { benchmark in
        let options = runOptions(repository: repository, input: empty.path, workers: 2)
        for _ in benchmark.scaledIterations {
            blackHole(runQuietly(options).events)
        }
    }
}

/// The options `vigil run --rules rules/sigma --year 2026 --alerts /dev/null FILE` builds, with the
/// repository's rule folders as absolute paths.
func runOptions(repository: URL, input: String, workers: Int) -> RunOptions {
    var parser = ParserOptions()
    parser.year = 2026
    let rules = RuleLoadOptions(
        rulePaths: [repository.appendingPathComponent("rules/sigma").path],
        decoderPaths: [repository.appendingPathComponent("rules/decoders").path],
        logsourcesPath: repository.appendingPathComponent("rules/logsources.yml").path)
    return RunOptions(mode: .run, inputs: [input], parser: parser, workers: workers, rules: rules, alertsPath: "/dev/null", live: false)
}

/// Runs once with stderr pointed at /dev/null (`Runner.run` prints its summary there).
func runQuietly(_ options: RunOptions) -> RunSummary {
    let saved = dup(2)
    let null = open("/dev/null", O_WRONLY)
    dup2(null, 2)
    close(null)
    defer {
        dup2(saved, 2)
        close(saved)
    }
    do {
        return try Runner.run(options, logger: Logger(label: "vigil-bench"))
    } catch {
        dup2(saved, 2)
        fatalError("vigil run failed: \(error)")
    }
}

/// Writes `lines` gen-authlog.py lines to a temporary file (removed at exit) and returns its URL.
func generateAuthLogFile(lines: Int) -> URL {
    let prefix = GenAuthLog.temporaryPrefix("e2e")
    GenAuthLog.generate(lines: lines, seed: 7, prefix: prefix)
    try? FileManager.default.removeItem(atPath: prefix + ".jsonl")
    atexit {
        unlink(GenAuthLog.temporaryPrefix("e2e") + ".log")
        unlink(FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-bench-empty-\(getpid()).log").path)
    }
    return URL(fileURLWithPath: prefix + ".log")
}
