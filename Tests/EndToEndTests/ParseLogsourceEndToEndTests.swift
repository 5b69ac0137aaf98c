import Foundation
import Testing
import VigilTestSupport

/// `vigil parse` shows where the Sigma logsource routing places each event (`"logsource"`), with the
/// same mapping options as `vigil run`.
@Suite("vigil parse shows each event's logsource")
struct ParseLogsourceEndToEndTests {
    static let sshd = "Mar  1 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2"
    static let access = #"203.0.113.9 - - [03/Mar/2024:16:00:00 +0000] "GET /index.php?page=home HTTP/1.1" 200 153 "-" "curl/8.0""#
    static let acme = "Mar  1 10:00:00 plant1 acmed[12]: widget jammed"
    static let sysmon13 = #"{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":13}}}"#
    static let overlay = "sources:\n  - {name: acme, app: acmed, logsource: {product: acme, service: acmed}}\n"

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var line: String
        var options: [String] = []
        /// The `logsource` member as compact JSON with sorted keys, or "null".
        var logsource: String
    }

    static let cases: [Case] = [
        Case(
            description: "sshd: the entry's two logsources", line: sshd,
            logsource:
                #"{"also":[{"category":null,"product":"linux","service":"auth"}],"category":null,"product":"linux","service":"sshd"}"#
        ),
        Case(
            description: "an access log line, placed by its decoder", line: access,
            logsource: #"{"category":"webserver","product":null,"service":null}"#),
        Case(description: "the same line undecoded is placed nowhere", line: access, options: ["--no-decoders"], logsource: "null"),
        Case(
            description: "the default logsource for events placed nowhere", line: access,
            options: ["--no-decoders", "--logsource", "product=web,service=raw"],
            logsource: #"{"category":null,"product":"web","service":"raw"}"#),
        Case(
            description: "other syslog programs", line: acme,
            logsource: #"{"category":null,"product":"linux","service":"syslog"}"#),
        Case(
            description: "an overlay's source in front of the shipped ones", line: acme, options: ["--logsources", "OVERLAY"],
            logsource: #"{"category":null,"product":"acme","service":"acmed"}"#),
        Case(
            description: "without the shipped mapping", line: sshd, options: ["--no-default-logsources"], logsource: "null"),
        Case(
            description: "Sysmon event 13 (evtx JSON)", line: sysmon13, options: ["--format", "json"],
            logsource:
                #"{"also":[{"category":"registry_event","product":"windows","service":"sysmon"}],"category":"registry_set","product":"windows","service":"sysmon"}"#
        ),
    ]

    @Test(arguments: cases)
    func logsourceOfEachEvent(_ c: Case) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let overlay = folder.appendingPathComponent("overlay.yml")
        try Self.overlay.write(to: overlay, atomically: true, encoding: .utf8)
        let options = c.options.map { $0 == "OVERLAY" ? overlay.path : $0 }
        let result = try runVigil(["parse"] + options, stdin: Data((c.line + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let logsource = try #require(event["logsource"])
        let text =
            logsource is NSNull
            ? "null" : String(decoding: try JSONSerialization.data(withJSONObject: logsource, options: [.sortedKeys]), as: UTF8.self)
        #expect(text == c.logsource)
    }

    @Test("every line of the samples has a logsource member; 1 and 2 workers agree")
    func everyLine() throws {
        let one = try runVigil(["parse", "--year", "2026", "--workers", "1"] + sampleInputs)
        let two = try runVigil(["parse", "--year", "2026", "--workers", "2"] + sampleInputs)
        #expect(one.status == 0 && two.status == 0, "\(one.stderr)")
        #expect(one.stdout == two.stdout)
        let events = try alertObjects(one.stdout)
        #expect(events.count > 500)
        #expect(events.allSatisfy { $0.keys.contains("logsource") })
        // The samples hold lines of every shipped family: most are placed.
        #expect(events.filter { !($0["logsource"] is NSNull) }.count > events.count * 9 / 10)
    }
}
