import Foundation
import Testing
import VigilEvent

@testable import VigilIngest

/// Issue 11's event-time rules at the parser: times vigil cannot hold are refused (never wrapped),
/// file years come from the file's age, zones per host and per listener.
@Suite struct EventTimeParsingTests {
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Timestamp {
        Timestamp(CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s))
    }

    /// Each wrapped before: `2262-04-12` became 1677, `9999-12-31` 1816, `0001-01-01` 1754.
    @Test(arguments: [
        ("<13>1 2262-04-12T00:00:00Z h a - - - m", 6),
        ("<13>1 9999-12-31T00:00:00Z h a - - - m", 6),
        ("<13>1 0001-01-01T00:00:00Z h a - - - m", 6),
        ("<13>1 1677-09-21T00:12:44Z h a - - - m", 6),
        ("Mar  1 2300 10:00:02 web sshd[1]: m", 0),
        ("<34>Mar  1 0001 10:00:02 web sshd[1]: m", 4),
        ("2262-04-12T00:00:00Z web sshd[1]: m", 0),
    ])
    func syslogTimesOutOfRangeAreParseErrors(line: String, offset: Int) {
        let (_, event) = parseOne(line)
        #expect(event.parseFailure == ParseFailure(.timeOutOfRange, at: offset), "\(line)")
        #expect(event.format == .raw && event.timeSource == .received && event.time == testReceiveTime)
    }

    @Test(arguments: [
        ("<13>1 2262-04-11T23:47:15Z h a - - - m", "2262-04-11T23:47:15Z"),
        ("<13>1 1677-09-21T00:12:45Z h a - - - m", "1677-09-21T00:12:45Z"),
        ("<13>1 2200-01-01T00:00:00Z h a - - - m", "2200-01-01T00:00:00Z"),
    ])
    func theEndsOfTheRangeParse(line: String, expected: String) {
        let (_, event) = parseOne(line)
        #expect(event.parseFailure == nil && event.timeSource == .message)
        #expect(event.time.rfc3339() == expected)
    }

    /// A JSON object keeps its members (rules still see them): only its time is refused.
    @Test(arguments: [
        (#"{"time":"9999-12-31T00:00:00Z","a":1}"#, 9),
        (#"{"ts":99999999999999999999,"a":1}"#, 6),
        (#"{"ts":"-99999999999","a":1}"#, 7),
    ])
    func jsonTimesOutOfRangeKeepTheObject(line: String, offset: Int) {
        let (batch, event) = parseOne(line)
        #expect(event.format == .json)
        #expect(event.parseFailure == ParseFailure(.timeOutOfRange, at: offset), "\(line)")
        #expect(event.timeSource == .received)
        #expect(batch.values("a", of: event) == ["1"])
    }

    @Test func aLaterTimeKeyStillGivesTheTimeWhenAnEarlierOneIsOutOfRange() {
        let (_, event) = parseOne(#"{"timestamp":"9999-01-01T00:00:00Z","ts":1700000000}"#)
        #expect(event.parseFailure == nil && event.timeSource == .message)
        #expect(event.time == Timestamp(seconds: 1_700_000_000))
    }

    /// A file of 2015 read today: its stamps are placed before the file's modification time, not in
    /// the year of the clock.
    @Test(arguments: [
        ("Mar  1 10:00:02 h a: m", utc(2015, 6, 1), "2015-03-01T10:00:02Z"),
        ("Dec 31 23:00:00 h a: m", utc(2015, 6, 1), "2014-12-31T23:00:00Z"),
        ("Jun  1 20:00:00 h a: m", utc(2015, 6, 1, 12), "2015-06-01T20:00:00Z"),
        // A day of tolerance (zones, clocks): 18 hours after it is this year, two days after is last year's.
        ("Jan  2 00:00:00 h a: m", utc(2016, 1, 1, 6), "2016-01-02T00:00:00Z"),
        ("Jan  3 07:00:00 h a: m", utc(2016, 1, 1, 6), "2015-01-03T07:00:00Z"),
    ])
    func yearsOfAFileComeFromItsModificationTime(line: String, modified: Timestamp, expected: String) {
        var raw = rawBatch([Array(line.utf8)], receiveTime: Self.utc(2026, 12, 7))
        raw.clock = SourceClock(isLive: false, yearReference: modified)
        var parser = BatchParser()
        let event = parser.parse(raw).events[0]
        #expect(event.timeSource == .header)
        #expect(event.time.rfc3339() == expected)
    }

    @Test func hostPatternsAndListenersGiveZones() throws {
        var options = ParserOptions(timeZone: "UTC")
        options.hostTimeZones = [
            try .init(parsing: "web-*=America/New_York"), .init(pattern: "DB?", zone: "Asia/Tokyo"),
            .init(pattern: "*", zone: "Europe/Paris"),
        ]
        options.year = 2024
        let lines = [
            "Jul  1 10:00:00 web-01 a: m", "Jul  1 10:00:00 db1 a: m", "Jul  1 10:00:00 db12 a: m",
            "Jul  1 10:00:00 2024-07-01T10:00:00+02:00 a: m",
        ]
        var parser = BatchParser(options: options)
        let batch = parser.parse(rawBatch(lines.map { Array($0.utf8) }))
        let times = batch.events.map { $0.time.rfc3339() }
        #expect(times == ["2024-07-01T14:00:00Z", "2024-07-01T01:00:00Z", "2024-07-01T08:00:00Z", "2024-07-01T08:00:00Z"])
        // A stamp with an offset is complete: no zone applies. Without a pattern, the listener's zone.
        let (_, offset) = parseOne("2024-07-01T10:00:00+02:00 web-01 a: m", options: options)
        #expect(offset.time.rfc3339() == "2024-07-01T08:00:00Z" && offset.timeSource == .message)
        var listener = rawBatch([Array("Jun  1 10:00:00 other a: m".utf8)])
        listener.clock = SourceClock(isLive: true, timeZone: "Asia/Kolkata")
        var plain = BatchParser(options: ParserOptions(timeZone: "UTC"))
        #expect(plain.parse(listener).events[0].time.rfc3339() == "2024-06-01T04:30:00Z")
    }

    @Test(arguments: [
        ("web-*", "web-01", true), ("web-*", "WEB-01", true), ("web-*", "web", false), ("*", "", true), ("?", "", false),
        ("db?", "db1", true), ("db?", "db12", false), ("*-01", "mail-01", true), ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false), ("**", "x", true),
    ])
    func hostPatterns(pattern: String, host: String, matches: Bool) {
        let bytes = Array(host.utf8)
        #expect(GlobMatch.matches(Array(pattern.utf8), bytes, ignoringCase: true) == matches)
    }

    @Test func zonesAreValidatedNeverUTC() {
        for zone in ["Invalid/Zone", "", "utc", "+05:00"] {
            #expect(throws: ParserOptions.InvalidOption.self) { try ParserOptions(timeZone: zone).validate() }
        }
        var options = ParserOptions()
        options.hostTimeZones = [.init(pattern: "a", zone: "Nowhere/Else")]
        #expect(throws: ParserOptions.InvalidOption.self) { try options.validate() }
        #expect(throws: ParserOptions.InvalidOption.self) { try ParserOptions.HostTimeZone(parsing: "=UTC") }
        #expect(throws: ParserOptions.InvalidOption.self) { try ParserOptions.HostTimeZone(parsing: "nozone") }
    }

    @Test func listenerAddressesTakeATimeZone() throws {
        let address = try ListenAddress(parsing: "127.0.0.1:5514,timezone=America/New_York")
        #expect(address.host == "127.0.0.1" && address.port == 5514 && address.timeZone == "America/New_York")
        #expect(try ListenAddress(parsing: "[::1]:0").timeZone == nil)
        for bad in ["127.0.0.1:5514,tz=UTC", "127.0.0.1:5514,timezone=", "127.0.0.1:5514,"] {
            #expect(throws: IngestError.self) { try ListenAddress(parsing: bad) }
        }
    }
}
