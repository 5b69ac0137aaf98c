import Testing
import VigilEvent

@Suite struct TimestampTests {
    @Test(arguments: [
        (CivilTime(year: 1970, month: 1, day: 1), Int64(0)),
        (CivilTime(year: 2024, month: 3, day: 1, hour: 0, minute: 0, second: 1), Int64(1_709_251_201)),
        (CivilTime(year: 2000, month: 2, day: 29, hour: 23, minute: 59, second: 59), Int64(951_868_799)),
        (CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59), Int64(-1)),
    ])
    func civilRoundTrip(civil: CivilTime, seconds: Int64) {
        let t = Timestamp(civil)
        #expect(t.seconds == seconds)
        #expect(t.civil == civil)
    }

    @Test func rfc3339KeepsRequestedPrecision() {
        let t = Timestamp(CivilTime(year: 2003, month: 10, day: 11, hour: 22, minute: 14, second: 15, nanosecond: 3_000_000))
        #expect(t.rfc3339(fractionDigits: 0) == "2003-10-11T22:14:15Z")
        #expect(t.rfc3339(fractionDigits: 3) == "2003-10-11T22:14:15.003Z")
        #expect(t.rfc3339(fractionDigits: 6) == "2003-10-11T22:14:15.003000Z")
    }

    @Test func offsetIsSubtracted() {
        let local = CivilTime(year: 2003, month: 8, day: 24, hour: 5, minute: 14, second: 15)
        #expect(Timestamp(local, utcOffsetSeconds: -7 * 3600).rfc3339() == "2003-08-24T12:14:15Z")
    }

    @Test func negativeTimesFloor() {
        let t = Timestamp(nanoseconds: -1)
        #expect(t.seconds == -1)
        #expect(t.nanosecondOfSecond == 999_999_999)
        #expect(t.rfc3339(fractionDigits: 3) == "1969-12-31T23:59:59.999Z")
    }

    @Test func isoWeekAndWeekday() {
        // 2021-01-03 is a Sunday in ISO week 53 of 2020; 2024-12-30 is a Monday in week 1 of 2025.
        #expect(CivilTime(year: 2021, month: 1, day: 3).weekday == 7)
        #expect(CivilTime(year: 2021, month: 1, day: 3).isoWeek == 53)
        #expect(CivilTime(year: 2024, month: 12, day: 30).weekday == 1)
        #expect(CivilTime(year: 2024, month: 12, day: 30).isoWeek == 1)
    }
}
