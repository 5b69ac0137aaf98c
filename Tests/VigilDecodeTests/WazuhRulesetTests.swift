import Foundation
import Testing
import VigilDecode
import VigilTestSupport
import Yams

/// Wazuh ruleset test lines (../shared/data/wazuh-ruleset-tests/tests/*.ini): each line decodes with the
/// decoder family Wazuh names and the fields its rule implies. The expectations live in
/// Tests/Fixtures/Decode/wazuh-expectations.yml, keyed by file, section and log label, so that no Wazuh
/// text is copied into this repository.
@Suite struct WazuhRulesetTests {
    struct LogLine {
        var file: String
        var section: String
        var label: String
        var text: String
        var wazuhDecoder: String?
        var key: String { "\(file) [\(section)] \(label)" }
    }

    static let files = ["sshd", "pam", "sudo", "su", "apache", "nginx"]

    /// Top-level decoders of ours that correspond to Wazuh's decoder names.
    /// (Wazuh's sshd decoder takes sshd's `pam_systemd(sshd:session)` lines; ours is `pam-systemd`.)
    static let families: [String: Set<String>] = [
        "sshd": ["sshd", "pam-systemd"], "pam": ["pam", "pam-legacy", "pam-legacy-su", "pam-legacy-sshd", "pam-legacy-cron"],
        "sudo": ["sudo"], "su": ["su"],
        "apache-errorlog": ["apache-errorlog"], "nginx-errorlog": ["nginx-errorlog"],
    ]

    static func lines(of file: String) throws -> [LogLine] {
        let text = try String(contentsOf: TestPaths.shared("wazuh-ruleset-tests/tests/\(file).ini"), encoding: .utf8)
        var result: [LogLine] = []
        var section = ""
        var sectionStart = 0
        var seen: [String: Int] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                sectionStart = result.count
            } else if line.hasPrefix("log "), let eq = line.range(of: " = ") {
                var label = String(line[..<eq.lowerBound])
                // Some sections repeat a label; later ones get a counter.
                let count = seen["\(section)|\(label)", default: 0] + 1
                seen["\(section)|\(label)"] = count
                if count > 1 { label += " (\(count))" }
                result.append(LogLine(file: file, section: section, label: label, text: String(line[eq.upperBound...])))
            } else if line.hasPrefix("decoder = ") {
                let name = String(line.dropFirst("decoder = ".count)).trimmingCharacters(in: .whitespaces)
                for i in sectionStart..<result.count { result[i].wazuhDecoder = name }
            }
        }
        return result
    }

    static func expectations() throws -> [String: (decoder: String?, fields: [DecoderTestCase.ExpectedField])] {
        let text = try String(contentsOf: TestPaths.fixture("Decode/wazuh-expectations.yml"), encoding: .utf8)
        var result: [String: (decoder: String?, fields: [DecoderTestCase.ExpectedField])] = [:]
        for entry in try Yams.compose(yaml: text)?.sequence ?? [] {
            let key = entry["line"]?.string ?? ""
            let decoder = entry["decoder"]?.string
            var fields: [DecoderTestCase.ExpectedField] = []
            for (name, value) in entry["fields"]?.mapping ?? [:] {
                fields.append(DecoderTestCase.ExpectedField(name: name.string ?? "", value: value.string ?? ""))
            }
            result[key] = (decoder, fields.sorted())
        }
        return result
    }

    @Test(arguments: files)
    func linesDecodeAsExpected(file: String) throws {
        let decoders = try ShippedDecoderTests.shipped()
        let expected = try Self.expectations()
        var worker = DecoderWorker(decoders: decoders)
        let lines = try Self.lines(of: file)
        #expect(!lines.isEmpty)
        for line in lines {
            var batch = SyslogLines.batch(line.text)
            worker.decode(&batch)
            let (decoder, fields) = DecoderTestRunner.decoded(batch)
            guard let want = expected[line.key] else {
                Issue.record("no expectation for \(line.key): decoded as \(decoder ?? "none") \(fields)")
                continue
            }
            #expect(decoder == want.decoder, "\(line.key)")
            #expect(fields.sorted() == want.fields, "\(line.key)")
            // Lines Wazuh expects its decoder to handle ("pass") must land in the same family here.
            if line.label.hasSuffix("pass"), let wazuh = line.wazuhDecoder, let family = Self.families[wazuh] {
                let root = decoder.flatMap { decoders.lineage(of: $0)?.first }
                #expect(root.map(family.contains) == true, "\(line.key): Wazuh decoder \(wazuh), ours \(root ?? "none")")
            }
        }
    }
}
