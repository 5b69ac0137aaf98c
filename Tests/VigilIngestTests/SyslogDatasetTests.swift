import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// wrccdc's syslog_messages.derived.txt (CC BY-SA 4.0, read in place): 2378 real RFC 5424 messages
/// (Windows events forwarded by Evntslog). All must parse, facility and severity must round-trip to the
/// Zeek syslog.json record they came from (same order).
@Suite struct SyslogDatasetTests {
    static let severities = ["EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG"]

    @Test func wrccdcSyslogMessages() throws {
        let lines = try sharedLines("wrccdc-zeek-json/syslog_messages.derived.txt")
        let records = splitLines(try decompressedShared("/usr/bin/gzip", ["-dc"], "wrccdc-zeek-json/syslog.json.gz")).map {
            try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any]
        }
        #expect(lines.count == 2378 && records.count == 2378)
        var parser = BatchParser()
        let batch = parser.parse(rawBatch(lines))
        for (n, (event, record)) in zip(batch.events, records).enumerated() {
            #expect(event.format == .rfc5424, "line \(n + 1): \(event.parseFailure.map(\.description) ?? "")")
            #expect(event.facility == 16 && record["facility"] as? String == "LOCAL0", "line \(n + 1)")
            #expect(event.severity.map { Self.severities[Int($0)] } == record["severity"] as? String, "line \(n + 1)")
            #expect(event.fields.isEmpty && event.hasOwnTime, "line \(n + 1)")
        }
        let first = batch.events[0]
        #expect(batch.string(first.host) == "PC-helen.jerry.land" && batch.string(first.app) == "EvntSLog")
        #expect(first.time.rfc3339() == "2018-03-24T15:59:37Z")
        #expect(batch.events.filter { batch.string($0.message)?.hasPrefix("@cee: {") == true }.count == 290)
    }
}
