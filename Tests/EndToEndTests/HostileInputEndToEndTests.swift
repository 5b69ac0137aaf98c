import Foundation
import Testing
import VigilTestSupport

/// Input an attacker (or a broken sender) can hand vigil: it must not crash, must exit 0, and whatever
/// it could not keep must show in the summary and `--stats-json`.
@Suite("hostile input end to end")
struct HostileInputEndToEndTests {
    /// Runs `vigil run --stats-json` on `input` (stdin) and returns the result and the stats.
    func run(_ input: Data, _ arguments: [String] = []) throws -> (result: ProcessResult, stats: [String: Any]) {
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--stats-json", stats] + arguments, stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        return (result, try readStats(stats))
    }

    /// Writes `bytes` to a temporary file (for inputs read by path, like gzip).
    func temporaryFile(_ name: String, _ bytes: Data) throws -> String {
        let path = temporaryPath(name)
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("endless distinct JSON keys: past --max-field-names new fields are dropped and counted, events kept")
    func distinctKeysAreCapped() throws {
        let lines = (0..<200).map { #"{"message":"m","key\#($0)":\#($0)}"# }
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        let (result, stats) = try run(input, ["--format", "json", "--max-field-names", "10"])
        #expect(integer(stats, "events") == 200)
        #expect(integer(stats, "by_format", "json") == 200)
        #expect(integer(stats, "field_names_dropped") == 190)
        #expect(result.stderr.contains("fields dropped (field name table full, --max-field-names): 190"))
        let defaults = try run(input, ["--format", "json"])
        #expect(integer(defaults.stats, "field_names_dropped") == 0)
        #expect(defaults.stats["field_names_dropped"] is NSNumber)
    }

    @Test("NUL bytes inside lines are kept and escaped, not cut")
    func nulBytes() throws {
        let input = Data("<13>Mar  1 10:00:00 host app: a\u{0}b\nplain\u{0}text\n".utf8)
        let (_, stats) = try run(input)
        #expect(integer(stats, "events") == 2)
        #expect(integer(stats, "by_format", "rfc3164") == 1)
        let parsed = try runVigil(["parse", "--year", "2026"], stdin: input)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout.contains(#""msg":"a\u0000b""#))
    }

    @Test("invalid UTF-8 is kept (repaired in output) and the output stays valid JSON lines")
    func invalidUTF8() throws {
        var input = Data("bad ".utf8)
        input.append(contentsOf: [0xFF, 0xFE, 0x0A])
        input.append(contentsOf: Array(#"{"k":""#.utf8) + [0xC3] + Array(#"","m":1}"#.utf8) + [0x0A])
        let (_, stats) = try run(input)
        #expect(integer(stats, "events") == 2)
        let parsed = try runVigil(["parse"], stdin: input)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let lines = parsed.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any]) }
    }

    @Test("a 10 MB line without a newline becomes one cut event, counted as truncated")
    func hugeLineWithoutNewline() throws {
        let input = Data(repeating: UInt8(ascii: "x"), count: 10 << 20)
        let (_, stats) = try run(input)
        #expect(integer(stats, "events") == 1)
        #expect(integer(stats, "truncated") == 1)
        #expect(integer(stats, "discarded_bytes") == (10 << 20) - 65536)  // all but --max-message-size
        #expect(integer(stats, "parse_errors", "by_reason", "oversize_message") == 1)
    }

    @Test("100,000 nested brackets: a JSON parse error, counted, no stack overflow")
    func deeplyNestedJSON() throws {
        let depth = 100_000
        let nested = #"{"a":"# + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) + "}\n"
        let (_, stats) = try run(Data(nested.utf8), ["--max-message-size", "\(1 << 20)"])
        #expect(integer(stats, "events") == 1)
        #expect(integer(stats, "by_format", "raw") == 1)
        #expect(integer(stats, "parse_errors", "total") == 1)
        let bare = try run(Data(String(repeating: "[", count: depth).utf8), ["--format", "json", "--max-message-size", "\(1 << 20)"])
        #expect(integer(bare.stats, "parse_errors", "total") == 1)
    }

    @Test("CR-only line endings are no line ends: one message, every byte kept")
    func carriageReturnOnly() throws {
        let input = Data("one\rtwo\rthree\r".utf8)
        let (_, stats) = try run(input)
        #expect(integer(stats, "events") == 1)
        let parsed = try runVigil(["parse"], stdin: input)
        #expect(parsed.stdout.contains(#"one\rtwo\rthree"#))
    }

    @Test("a truncated gzip file: the lines before the cut are read, the rest counted as a read error")
    func truncatedGzip() throws {
        let gzip = try Data(contentsOf: TestPaths.fixture("EndToEnd/auth.log.gz"))
        let path = try temporaryFile("cut.log.gz", gzip.prefix(gzip.count / 2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", path, "--stats-json", stats])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("truncated"))
        let json = try readStats(stats)
        #expect(integer(json, "events") > 0)
        #expect(integer(json, "events") < 3000)
        #expect(integer(json, "drops", "by_reason", "read_error") == 1)
    }

    @Test("empty input: zero events, exit 0, a summary all the same")
    func emptyInput() throws {
        let (result, stats) = try run(Data())
        #expect(integer(stats, "events") == 0)
        #expect(result.stderr.contains("vigil: 0 events"))
    }
}
