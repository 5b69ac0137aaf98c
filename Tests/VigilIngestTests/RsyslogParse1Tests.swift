import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// rsyslog's parse1 testbench pairs (GPLv3, read from ../shared/data, not copied): pri, facility,
/// severity, timestamp, host, tag and msg compared with rsyslog's output line
/// `%PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,%programname%,%syslogtag%,%msg%`.
///
/// Normalisations: rsyslog keeps the space after `tag:` in msg (removed before comparing); `~H` (the
/// receiver's own name, used when a message has none) equals no host; `#011` and `\011` are a TAB.
/// rsyslog's tag (`syslogtag` without its final `:`) is compared with vigil's `app[pid]`, programname
/// with vigil's app. Differences are listed per pair, with the aspects that differ, in
/// Tests/Fixtures/Ingest/rsyslog-parse1-differences.txt.
@Suite struct RsyslogParse1Tests {
    static let facilities = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit",
        "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
    static let severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    struct Pair {
        var id: String
        var input: [UInt8]
        var expected: [String]
    }

    static func pairs() throws -> [Pair] {
        let folder = TestPaths.shared("syslog-vectors/rsyslog-parse1")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".parse1") }.sorted()
        var pairs: [Pair] = []
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            let lines = splitLines(data).filter { !$0.isEmpty && $0.first != UInt8(ascii: "#") }
            for k in stride(from: 0, to: lines.count - 1, by: 2) {
                let input = Array(String(decoding: lines[k], as: UTF8.self).replacingOccurrences(of: "\\011", with: "\t").utf8)
                let expected = String(decoding: lines[k + 1], as: UTF8.self).replacingOccurrences(of: "#011", with: "\t")
                let columns = expected.split(separator: ",", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
                pairs.append(Pair(id: "\(file):\(k / 2 + 1)", input: input, expected: columns))
            }
        }
        return pairs
    }

    @Test func parse1Cases() throws {
        let pairs = try Self.pairs()
        #expect(pairs.count >= 45)
        var parser = BatchParser()
        let batch = parser.parse(rawBatch(pairs.map(\.input)))
        var found: [String: String] = [:]
        for (pair, event) in zip(pairs, batch.events) {
            let aspects = Self.differences(pair.expected, batch, event)
            if !aspects.isEmpty { found["\(pair.id) \(aspects.joined(separator: ","))"] = batch.json(of: event) }
        }
        try DisagreementFixture("Ingest/rsyslog-parse1-differences.txt").expectMatches(found)
    }

    static func differences(_ e: [String], _ batch: EventBatch, _ event: Event) -> [String] {
        guard e.count == 8 else { return ["columns"] }
        var aspects: [String] = []
        let pri = event.facility.map { Int($0) * 8 + Int(event.severity!) }
        if e[0] != pri.map(String.init) { aspects.append("pri") }
        if e[1] != event.facility.map({ facilities[Int($0)] }) { aspects.append("facility") }
        if e[2] != event.severity.map({ severities[Int($0)] }) { aspects.append("severity") }
        let c = event.time.civil
        let stamp =
            "\(months[c.month - 1]) \(c.day < 10 ? " " : "")\(c.day) " + String(format: "%02d:%02d:%02d", c.hour, c.minute, c.second)
        if e[3] != stamp { aspects.append("timestamp") }
        if (e[4] == "~H" ? nil : e[4]) != batch.string(event.host) { aspects.append("host") }
        if e[5] != (batch.string(event.app) ?? "") { aspects.append("programname") }
        // A tag like `sshd(pam_unix)` is app `sshd` plus the whole tag in the field `syslog_tag`.
        var tag = batch.values("syslog_tag", of: event).first ?? batch.string(event.app) ?? ""
        if let pid = batch.string(event.pid) { tag += "[\(pid)]" }
        if (e[6].hasSuffix(":") ? String(e[6].dropLast()) : e[6]) != tag { aspects.append("tag") }
        let msg = e[7].hasPrefix(" ") ? String(e[7].dropFirst()) : e[7]
        if msg != (batch.string(event.message) ?? "") { aspects.append("msg") }
        return aspects
    }
}
