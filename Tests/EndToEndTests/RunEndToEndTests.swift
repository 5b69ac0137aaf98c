import Foundation
import Testing
import VigilTestSupport

@Suite("vigil run and parse on files and stdin")
struct RunEndToEndTests {
    let authLog = TestPaths.fixture("EndToEnd/auth.log").path
    let authLogGz = TestPaths.fixture("EndToEnd/auth.log.gz").path

    @Test(
        "a --lateness that is no duration, or too long to count, is a usage error, not a crash", arguments: ["5x", "1.5s", "99999999999h"])
    func badLateness(text: String) throws {
        let result = try runVigil(["run", "--lateness", text])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(
            result.stderr.contains("--lateness: '\(text)' is no duration") || result.stderr.contains("--lateness: '\(text)' is too long"))
    }

    @Test("run over a plain file counts every line and prints the summary")
    func plainFile() throws {
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", authLog, "--stats-json", stats])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("vigil: 3000 events"))
        #expect(result.stderr.contains("by format:"))
        #expect(result.stderr.contains("parse errors:"))
        #expect(result.stderr.contains("drops: 0"))
        let json = try readStats(stats)
        #expect(integer(json, "events") == 3000)
        #expect(integer(json, "drops", "total") == 0)
        #expect(json["events_per_second"] is NSNumber)
    }

    @Test("the summary shows the time spent loading rules and decoders on its own line, and --stats-json has it")
    func loadingTime() throws {
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--rules", "rules/sigma", authLog, "--stats-json", stats])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let loading = lines.filter { $0.hasPrefix("  loading rules and decoders: ") }
        #expect(loading.count == 1, "\(result.stderr)")
        // Right after the first line, which gives the time spent on the input alone.
        #expect(lines.count > 1 && lines[1] == loading.first)
        #expect(
            loading.first?.range(
                of:
                    #"^  loading rules and decoders: [0-9.]+ s \(decoders [0-9.]+ s, logsource mapping and rules [0-9.]+ s; CPU [0-9.]+ s\), before any input$"#,
                options: .regularExpression) != nil, "\(loading)")
        let json = try readStats(stats)
        let load = try #require(json["load_seconds"] as? [String: Double])
        let total = try #require(load["total"]), decoders = try #require(load["decoders"]), rules = try #require(load["rules"])
        #expect(decoders > 0 && rules > 0)
        #expect(abs(total - (decoders + rules)) < 1e-9)
        // The CPU time of loading, which a busy machine does not inflate: some, and less than a minute.
        let cpu = try #require(load["cpu"])
        #expect(cpu > 0 && cpu < 60)
    }

    @Test("a gzip file gives the same events as the plain one")
    func gzipFile() throws {
        let plain = try runVigil(["parse", authLog, "--workers", "2"])
        let gzip = try runVigil(["parse", authLogGz, "--workers", "2"])
        #expect(gzip.status == 0, "\(gzip.stderr)")
        #expect(gzip.stdout.split(separator: "\n").count == 3000)
        #expect(Self.withoutReceiveTimes(gzip.stdout) == Self.withoutReceiveTimes(plain.stdout))
    }

    @Test("stdin is read when no input is given, and for '-'")
    func standardInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: authLog))
        for arguments in [["run"], ["run", "-"]] {
            let stats = temporaryPath("stats.json")
            let result = try runVigil(arguments + ["--stats-json", stats], stdin: data)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try readStats(stats)
            #expect(integer(json, "events") == 3000)
            #expect((json["inputs"] as? [[String: Any]])?.first?["name"] as? String == "stdin")
        }
    }

    @Test("several inputs at once: plain, gzip and stdin")
    func severalInputs() throws {
        let stats = temporaryPath("stats.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: authLog))
        let result = try runVigil(["run", authLog, authLogGz, "-", "--stats-json", stats], stdin: data)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 9000)
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.map { ($0["messages"] as? NSNumber)?.intValue } == [3000, 3000, 3000])
    }

    @Test("1, 2 and 4 workers print identical events in input order")
    func orderIndependentOfWorkers() throws {
        let outputs = try [1, 2, 4].map { workers in
            try runVigil([
                "parse", authLog, "--workers", "\(workers)", "--read-batch-bytes", "4096", "--max-message-size", "1024",
            ]).stdout
        }
        #expect(outputs[0].split(separator: "\n").count == 3000)
        #expect(Self.withoutReceiveTimes(outputs[1]) == Self.withoutReceiveTimes(outputs[0]))
        #expect(Self.withoutReceiveTimes(outputs[2]) == Self.withoutReceiveTimes(outputs[0]))
        // Input order: the messages come out as the file has them.
        let lines = try String(contentsOfFile: authLog, encoding: .utf8).split(separator: "\n")
        let firstOut = outputs[2].split(separator: "\n")
        #expect(firstOut.count == lines.count)
        #expect(firstOut.last?.contains(Self.jsonEscaped(String(lines.last!.suffix(30)))) == true)
    }

    @Test("malformed lines are kept, marked and counted by reason")
    func malformedCounted() throws {
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--format", "json", TestPaths.fixture("EndToEnd/mixed.jsonl").path, "--stats-json", stats])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 5)
        #expect(integer(json, "by_format", "json") == 2)
        #expect(integer(json, "parse_errors", "total") == 3)
        let parsed = try runVigil(["parse", "--format", "json", TestPaths.fixture("EndToEnd/mixed.jsonl").path])
        #expect(parsed.stdout.split(separator: "\n").filter { $0.contains("\"error\":") }.count == 3)
    }

    @Test("over-long lines are cut to --max-message-size and counted")
    func oversizeLines() throws {
        let stats = temporaryPath("stats.json")
        let long = String(repeating: "x", count: 5000)
        let input = Data("short line\n\(long)\nafter\n".utf8)
        let result = try runVigil(["run", "--max-message-size", "1024", "--stats-json", stats], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try readStats(stats)
        #expect(integer(json, "events") == 3)
        #expect(integer(json, "truncated") == 1)
        #expect(integer(json, "discarded_bytes") == 5000 - 1024)
    }

    @Test("a missing input file fails before running, naming the file")
    func missingFile() throws {
        let result = try runVigil(["run", "/nonexistent/vigil.log"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/vigil.log"))
    }

    @Test("bad options are rejected")
    func badOptions() throws {
        #expect(try runVigil(["run", "--format", "xml"]).status != 0)
        #expect(try runVigil(["run", "--udp", "nohostport"]).status != 0)
        #expect(try runVigil(["run", "--workers", "0"]).status != 0)
    }

    /// Drops `"time"` values that came from the receive time (they differ between runs).
    static func withoutReceiveTimes(_ output: String) -> [String] {
        output.split(separator: "\n").map { line in
            line.replacingOccurrences(of: #"^\{"time":"[^"]*""#, with: "{", options: .regularExpression)
        }
    }

    static func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
