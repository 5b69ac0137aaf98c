import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// go-syslog's RFC 3164 table (15 cases) in auto-detection mode.
///
/// Stamps without a year are compared by month, day and time of day (go-syslog leaves the year 0, vigil
/// infers it); stamps with one as instants. `WithTimezone(Z)` runs with `--timezone Z`.
@Suite struct RFC3164ConformanceTests {
    @Test func goSyslogCases() throws {
        let cases = try GoSyslog.parseCases("rfc3164_cases.json")
        #expect(cases.count == 15)
        var found: [String: String] = [:]
        for c in cases {
            var options = ParserOptions()
            if let zone = c.options.first(where: { $0.hasPrefix("WithTimezone(") }) {
                options.timeZone = String(zone.dropFirst("WithTimezone(".count).dropLast())
            }
            var parser = BatchParser(options: options)
            let batch = parser.parse(rawBatch([c.input]))
            let event = batch.events[0]
            let ours = event.format == .rfc3164
            if ours != c.valid {
                found["\(c.index) validity"] = "vigil \(ours ? "accepts" : "rejects")"
                continue
            }
            guard ours, let expected = c.expected else { continue }
            for aspect in Self.fieldDisagreements(batch, event, expected, input: c.input) { found["\(c.index) \(aspect)"] = c.comment }
        }
        try DisagreementFixture("Ingest/go-syslog-rfc3164-disagreements.txt").expectMatches(found)
    }

    static func fieldDisagreements(_ batch: EventBatch, _ event: Event, _ expected: [String: any Sendable], input: [UInt8]) -> [String] {
        var aspects: [String] = []
        if let p = expected["priority"] as? Int, Int(event.facility ?? 99) * 8 + Int(event.severity ?? 99) != p {
            aspects.append("priority")
        }
        let text: [(String, ByteRange?)] = [
            ("hostname", event.host), ("appname", event.app), ("procid", event.pid), ("message", event.message),
        ]
        for (key, range) in text where (expected[key] as? String) != batch.string(range) { aspects.append(key) }
        if let stamp = expected["timestamp"] as? String {
            let afterPRI = (input.firstIndex(of: UInt8(ascii: ">")) ?? -1) + 1
            let hasYear = afterPRI < input.count && (0x30...0x39).contains(input[afterPRI])
            if hasYear {
                if GoSyslog.instant(stamp) != event.time { aspects.append("timestamp") }
            } else {
                let c = event.time.civil
                let ours = String(format: "%02d-%02dT%02d:%02d:%02d", c.month, c.day, c.hour, c.minute, c.second)
                if String(stamp.dropFirst(5).prefix(14)) != ours { aspects.append("timestamp") }
            }
        }
        return aspects
    }
}
