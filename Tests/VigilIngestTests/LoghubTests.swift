import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// loghub OpenSSH_2k and Linux_2k (loghub licence, read in place): every line parses as RFC 3164 and its
/// host, app, pid, message and time equal the structured CSV's columns.
///
/// What the columns hold: OpenSSH's `Component` is the host (`LabSZ`) and every line's tag is `sshd`;
/// Linux's `Level` is the host (`combo`) and `Component` the tag (`sshd(pam_unix)`: the app is the program
/// `sshd`, the whole tag the field `syslog_tag`). loghub strips spaces around `Content`,
/// so messages are compared trimmed. Known differences (loghub's tag may contain spaces) are listed in
/// Tests/Fixtures/Ingest/loghub-differences.txt.
@Suite struct LoghubTests {
    struct Expected {
        var host: String
        var app: String
        var pid: String
        var message: String
        var stamp: String
    }

    static func expected(_ set: String, _ row: [String: String]) -> Expected {
        if set == "OpenSSH" {
            return Expected(
                host: row["Component"]!, app: "sshd", pid: row["Pid"]!, message: row["Content"]!,
                stamp: "\(row["Date"]!) \(row["Day"]!) \(row["Time"]!)")
        }
        return Expected(
            host: row["Level"]!, app: row["Component"]!, pid: row["PID"]!, message: row["Content"]!,
            stamp: "\(row["Month"]!) \(row["Date"]!) \(row["Time"]!)")
    }

    @Test(arguments: ["OpenSSH", "Linux"])
    func structuredColumns(name: String) throws {
        let logPath = "loghub/\(name)/\(name)_2k.log"
        let lines = try sharedLines(logPath)
        let rows = CSV.rows(try String(contentsOf: TestPaths.shared(logPath + "_structured.csv"), encoding: .utf8))
        let header = rows[0]
        #expect(lines.count == 2000 && rows.count == 2001)
        var parser = BatchParser()
        let batch = parser.parse(rawBatch(lines))
        let fixture = try DisagreementFixture("Ingest/loghub-differences.txt")
        var found: [String: String] = [:]
        for (n, event) in batch.events.enumerated() {
            let row = Dictionary(uniqueKeysWithValues: zip(header, rows[n + 1]))
            let e = Self.expected(name, row)
            #expect(event.format == .rfc3164 && event.parseFailure == nil, "\(name) line \(n + 1)")
            var aspects: [String] = []
            if batch.string(event.host) != e.host { aspects.append("host") }
            // Linux's `sshd(pam_unix)` tags: the program `sshd` is the app, the whole tag `syslog_tag`.
            let tag = batch.values("syslog_tag", of: event).first ?? batch.string(event.app) ?? ""
            if tag != e.app { aspects.append("app") }
            if e.app.hasSuffix(")"), batch.string(event.app) != String(e.app.prefix { $0 != "(" }) { aspects.append("program") }
            if (batch.string(event.pid) ?? "") != e.pid { aspects.append("pid") }
            let message = (batch.string(event.message) ?? "").trimmingCharacters(in: .whitespaces)
            if message != e.message { aspects.append("message") }
            let c = event.time.civil
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            if "\(months[c.month - 1]) \(c.day) " + String(format: "%02d:%02d:%02d", c.hour, c.minute, c.second) != e.stamp {
                aspects.append("time")
            }
            if !aspects.isEmpty { found["\(name):\(n + 1) \(aspects.joined(separator: ","))"] = batch.json(of: event) }
        }
        var listed = fixture
        listed.entries = listed.entries.filter { $0.key.hasPrefix("\(name):") }
        listed.expectMatches(found)
    }
}
