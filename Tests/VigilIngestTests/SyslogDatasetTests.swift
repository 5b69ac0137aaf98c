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
            #expect(event.hasOwnTime, "line \(n + 1)")
        }
        let first = batch.events[0]
        #expect(batch.string(first.host) == "PC-helen.jerry.land" && batch.string(first.app) == "EvntSLog")
        #expect(first.time.rfc3339() == "2018-03-24T15:59:37Z")
        #expect(batch.events.filter { batch.string($0.message)?.hasPrefix("@cee: {") == true }.count == 290)
    }

    /// 290 of those messages carry `@cee: {json}` (Evntslog): each member becomes a field with the same
    /// string value; the other messages get no fields.
    @Test func wrccdcCEEPayloadsBecomeFields() throws {
        var parser = BatchParser()
        let batch = parser.parse(rawBatch(try sharedLines("wrccdc-zeek-json/syslog_messages.derived.txt")))
        var withPayload = 0
        for (n, event) in batch.events.enumerated() {
            let message = batch.string(event.message) ?? ""
            #expect(event.parseFailure == nil, "line \(n + 1)")
            guard message.hasPrefix("@cee:") else {
                #expect(event.fields.isEmpty, "line \(n + 1)")
                continue
            }
            withPayload += 1
            let object = try JSONSerialization.jsonObject(with: Data(message.dropFirst(5).utf8)) as! [String: Any]
            var ours: [String: String] = [:]
            for i in event.fields.range { ours[batch.fields[i].name.name] = batch.string(batch.fields[i].value) }
            #expect(ours == object.mapValues { "\($0)" }, "line \(n + 1)")
        }
        #expect(withPayload == 290)
    }

    @Test(arguments: [
        ("<13>Jan  1 00:00:00 host app: @cee: {\"a\":\"b\",\"n\":{\"x\":1}}", "a=b n.x=1", nil),
        ("<13>1 2026-01-01T00:00:00Z host app - - [sd@1 k=\"v\"] @cee:{\"a\":[1,2]}", "sd@1.k=v a=1 a=2", nil),
        ("<13>Jan  1 00:00:00 host app: @cee: {\"a\":", "", "invalid_cee_payload at byte 41"),
        ("<13>Jan  1 00:00:00 host app: @cee: [1]", "", "invalid_cee_payload at byte 36"),
        ("<13>Jan  1 00:00:00 host app: @cee: {} trailing", "", "invalid_cee_payload at byte 39"),
        ("<13>Jan  1 00:00:00 host app: @ceex {\"a\":1}", "", nil),
    ])
    func ceePayloads(line: String, fields: String, error: String?) {
        var parser = BatchParser()
        let batch = parser.parse(rawBatch([Array(line.utf8)]))
        let event = batch.events[0]
        #expect(event.format != .raw)
        let ours = event.fields.range.map { "\(batch.fields[$0].name.name)=\(batch.string(batch.fields[$0].value))" }
        #expect(ours.joined(separator: " ") == fields)
        #expect(event.parseFailure?.description == error)
    }
}
