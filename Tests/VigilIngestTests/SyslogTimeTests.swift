import Foundation
import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct SyslogTimeTests {
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Timestamp {
        Timestamp(CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s))
    }

    static func time(_ line: String, receivedAt: Timestamp, zone: String = "UTC") -> String {
        let (_, event) = parseOne(line, options: ParserOptions(timeZone: zone), receiveTime: receivedAt)
        #expect(event.format == .rfc3164 && event.hasOwnTime, "\(line)")
        return event.time.rfc3339(fractionDigits: Int(event.timePrecision))
    }

    @Test(arguments: [
        // A December line read in January belongs to last year.
        ("Dec 31 23:59:58 h a: m", utc(2025, 1, 1, 0, 0, 3), "2024-12-31T23:59:58Z"),
        ("Dec  1 10:00:00 h a: m", utc(2025, 1, 20), "2024-12-01T10:00:00Z"),
        // A January line read just before New Year (sender clock ahead) belongs to next year.
        ("Jan  1 00:00:02 h a: m", utc(2024, 12, 31, 23, 59, 59), "2025-01-01T00:00:02Z"),
        // Same day, and a line a little in the future (skew within a day) stay in this year.
        ("Jun 15 11:59:00 h a: m", utc(2024, 6, 15, 12), "2024-06-15T11:59:00Z"),
        ("Jun 15 20:00:00 h a: m", utc(2024, 6, 15, 12), "2024-06-15T20:00:00Z"),
        // More than a day ahead: last year's log.
        ("Jun 17 12:00:00 h a: m", utc(2024, 6, 15, 12), "2023-06-17T12:00:00Z"),
        ("Mar  1 00:00:01 h a: m", utc(2024, 11, 29), "2024-03-01T00:00:01Z"),
        // 29 February goes back to the last leap year.
        ("Feb 29 12:00:00 h a: m", utc(2025, 3, 1), "2024-02-29T12:00:00Z"),
        ("Feb 29 12:00:00 h a: m", utc(2027, 6, 1), "2024-02-29T12:00:00Z"),
        // A year in the stamp wins.
        ("Mar  7 2008 19:06:53 h a: m", utc(2024, 6, 15), "2008-03-07T19:06:53Z"),
    ])
    func yearInference(line: String, receivedAt: Timestamp, expected: String) {
        #expect(Self.time(line, receivedAt: receivedAt) == expected)
    }

    /// `--year` puts every stamp in that year of the configured zone, whatever the receive time: the two
    /// zone cases landed in 2027 and 2025 when `--year` was emulated with a receive time at its end.
    @Test(arguments: [
        ("Jan  1 00:30:00 h a: m", "Europe/Paris", "2025-12-31T23:30:00Z"),
        ("Dec 31 20:00:00 h a: m", "America/New_York", "2027-01-01T01:00:00Z"),
        ("Dec 31 23:59:59 h a: m", "UTC", "2026-12-31T23:59:59Z"),
        ("Jun 15 12:00:00 h a: m", "UTC", "2026-06-15T12:00:00Z"),
        ("Feb 29 12:00:00 h a: m", "UTC", "2024-02-29T12:00:00Z"),
    ])
    func fixedYear(line: String, zone: String, expected: String) {
        var options = ParserOptions(timeZone: zone)
        options.year = 2026
        let (_, event) = parseOne(line, options: options, receiveTime: Self.utc(2030, 3, 1))
        #expect(event.time.rfc3339() == expected)
    }

    @Test(arguments: [
        ("Jul  1 12:00:00 h a: m", "Europe/Paris", "2024-07-01T10:00:00Z"),
        ("Jan 10 12:00:00 h a: m", "Europe/Paris", "2024-01-10T11:00:00Z"),
        ("Mar 31 01:30:00 h a: m", "Europe/Paris", "2024-03-31T00:30:00Z"),  // just before the spring change
        ("Mar 31 03:30:00 h a: m", "Europe/Paris", "2024-03-31T01:30:00Z"),  // just after it
        ("Nov  3 12:00:00 h a: m", "America/New_York", "2024-11-03T17:00:00Z"),
        ("Jun 15 05:30:00 h a: m", "Asia/Kolkata", "2024-06-15T00:00:00Z"),
        ("Jun 15 05:30:00 h a: m", "UTC", "2024-06-15T05:30:00Z"),
    ])
    func configuredZone(line: String, zone: String, expected: String) {
        #expect(Self.time(line, receivedAt: Self.utc(2024, 12, 1), zone: zone) == expected)
    }

    /// The per-hour cache agrees with Foundation for every hour of a year, DST changes included.
    @Test(arguments: ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"])
    func cachedOffsetsAgreeWithFoundation(zoneName: String) throws {
        var offsets = try #require(TimeZoneOffsets(identifier: zoneName))
        let zone = try #require(TimeZone(identifier: zoneName))
        let start = Self.utc(2024, 1, 1).seconds
        for hour in stride(from: start, to: start + 366 * 86_400, by: 3600) {
            for minute: Int64 in [0, 1799, 3599] {
                let utc = hour + minute
                let local = utc + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))))
                // Round trip: a wall time that exists once maps back to its instant.
                let back = offsets.utcSeconds(fromLocal: local)
                let backOffset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(back)))
                #expect(back + Int64(backOffset) == local, "\(zoneName) local \(local)")
            }
        }
    }

    @Test func unknownZonesAreRejectedByValidation() {
        #expect(throws: ParserOptions.InvalidOption.self) { try ParserOptions(timeZone: "Mars/Olympus").validate() }
        #expect(throws: Never.self) { try ParserOptions(timeZone: "Europe/Paris").validate() }
    }

    @Test(arguments: [
        ("<34>1 2003-10-11T22:14:15.003Z h a - - -", "2003-10-11T22:14:15.003Z", UInt8(3)),
        ("<34>1 2003-08-24T05:14:15.000003-07:00 h a - - -", "2003-08-24T12:14:15.000003Z", 6),
        ("<34>1 2003-08-24T05:14:15-07:00 h a - - -", "2003-08-24T12:14:15Z", 0),
        ("2024-03-01T00:00:01.123456+01:00 host app[1]: msg", "2024-02-29T23:00:01.123456Z", 6),
        ("<13>2024-03-01T00:00:01.123456789Z host app: msg", "2024-03-01T00:00:01.123456789Z", 9),
        ("<13>2024-03-01T00:00:01 host app: msg", "2024-03-01T00:00:01Z", 0),
        ("Mar  1 00:00:01.250 host app: msg", "2024-03-01T00:00:01.250Z", 3),
    ])
    func precisionIsKept(line: String, expected: String, precision: UInt8) {
        let (_, event) = parseOne(line)
        #expect(event.hasOwnTime && event.timePrecision == precision)
        #expect(event.time.rfc3339(fractionDigits: Int(precision)) == expected)
    }

    @Test(arguments: [
        "<1>1 2003-08-24T05:14:15.0000003Z - - - - -", "<1>1 2003-08-24t05:14:15Z - - - - -", "<1>1 2003-08-24T05:14:15 - - - - -",
    ])
    func rfc5424TimestampsAreStrict(line: String) {
        #expect(parseOne(line).1.parseFailure?.reason == .invalidTimestamp)
    }

    @Test(arguments: [
        "Mar 32 00:00:01 h a: m", "Feb 30 00:00:01 h a: m", "Mar  1 24:00:01 h a: m", "Mar  1 00:60:01 h a: m", "Mar  1 0:00:01 h a: m",
        "Mar  1 00:00:01x h a: m",
    ])
    func impossibleBSDStampsFail(line: String) {
        let (batch, event) = parseOne(line)
        #expect(event.format == .raw && event.parseFailure?.reason == .invalidTimestamp, "\(line)")
        #expect(batch.string(event.message) == line)
    }
}
