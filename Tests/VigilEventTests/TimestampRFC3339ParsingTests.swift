import Testing
import VigilEvent

/// `Timestamp(rfc3339:)`: the one reader of RFC 3339 times for the API, the alert store and `vigil tail`.
@Suite struct TimestampRFC3339ParsingTests {
    @Test(arguments: [
        ("2026-03-01T00:00:00Z", Int64(1_772_323_200_000_000_000)),
        ("2026-03-01t00:00:00z", 1_772_323_200_000_000_000),
        ("2026-03-01 01:00:00+01:00", 1_772_323_200_000_000_000),
        ("2026-03-01", 1_772_323_200_000_000_000),
        ("2026-03-01T00:00:00.000001Z", 1_772_323_200_000_001_000),
        ("2026-03-01T00:00:00.1234567891234Z", 1_772_323_200_123_456_789),
        ("1969-12-31T23:59:59.5Z", -500_000_000),
        ("2016-12-31T23:59:60Z", 1_483_228_799_000_000_000),
    ])
    func reads(text: String, nanoseconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.nanoseconds == nanoseconds)
    }

    @Test(arguments: [
        "", "2026-3-01", "2026-13-01T00:00:00Z", "2026-03-01T00:00:00", "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00Zx",
        "2026-03-01T24:00:00Z", "2026-03-01T00:00:00+1:00", "99999-01-01T00:00:00Z",
    ])
    func refuses(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}
