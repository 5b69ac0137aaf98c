import Foundation
import Testing
import VigilTestSupport

/// The run summary tells lines a message decoder read from lines that only matched their program's
/// decoder, and names the most frequent shapes nothing read (`--log-level info`, `--stats-json`).
@Suite("decode summary end to end")
struct DecodeSummaryEndToEndTests {
    static let linux = TestPaths.shared("loghub/Linux/Linux_2k.log").path

    @Test("Linux_2k: decoded with fields and by a program decoder only; top shapes in the text and the JSON")
    func linuxSummary() throws {
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--year", "2026", "--log-level", "info", "--stats-json", stats, Self.linux])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try readStats(stats)
        let decoded = integer(json, "decoders", "decoded")
        let withFields = integer(json, "decoders", "decoded_with_fields")
        let programOnly = integer(json, "decoders", "program_decoder_only")
        #expect(decoded == withFields + programOnly)
        // The 76 kernel lines match the kernel decoder and no UFW or netfilter child.
        #expect(programOnly >= 76 && withFields >= 1_700)
        #expect(result.stderr.contains("(\(withFields) with fields, \(programOnly) by a program decoder only)"))
        let shapes = (json["decoders"] as? [String: Any])?["unmatched_shapes"] as? [[String: Any]] ?? []
        #expect(shapes.count == 10)
        let first = try #require(shapes.first)
        #expect(first["program"] as? String == "logrotate" && first["words"] as? String == "ALERT exited abnormally")
        #expect((first["count"] as? NSNumber)?.intValue == 43)
        #expect(result.stderr.contains("top shapes (program, first words"))
        #expect(result.stderr.contains("    43 logrotate: ALERT exited abnormally\n"))
        #expect(result.stderr.contains("23 klogind: Kerberos authentication failed"))
    }

    @Test("without --log-level info the text leaves the shapes out; without either option they are not counted")
    func shapesOnlyWhenAskedFor() throws {
        let stats = temporaryPath("stats.json")
        let quiet = try runVigil(["run", "--year", "2026", "--stats-json", stats, Self.linux])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("top shapes"))
        #expect(quiet.stderr.contains("by a program decoder only"))
        let json = try readStats(stats)
        #expect(((json["decoders"] as? [String: Any])?["unmatched_shapes"] as? [Any])?.count == 10)
        let plain = try runVigil(["run", "--year", "2026", Self.linux])
        #expect(plain.status == 0 && !plain.stderr.contains("top shapes"))
    }

    @Test("a sender's flood of distinct shapes: at most 10 listed, the repeated one first, flagged as estimated")
    func floodIsBounded() throws {
        var lines: [String] = []
        for i in 0..<20_000 {
            lines.append("<13>Mar  1 10:00:00 h prog\(i)[1]: token\(i)x and more")
            if i % 20 == 0 { lines.append("<13>Mar  1 10:00:00 h noisy[1]: disk almost full") }
        }
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            ["run", "--year", "2026", "--log-level", "info", "--stats-json", stats],
            stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let decoders = try readStats(stats)["decoders"] as? [String: Any] ?? [:]
        let shapes = decoders["unmatched_shapes"] as? [[String: Any]] ?? []
        #expect(shapes.count == 10)
        #expect(shapes.first?["program"] as? String == "noisy")
        let count = (shapes.first?["count"] as? NSNumber)?.intValue ?? 0
        let overcount = (shapes.first?["overcount"] as? NSNumber)?.intValue ?? 0
        #expect(count >= 1_000 && count - overcount <= 1_000)
        #expect(decoders["unmatched_shapes_exact"] as? Bool == false)
        #expect(result.stderr.contains("counts estimated"))
    }
}
