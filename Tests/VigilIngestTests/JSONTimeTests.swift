import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct JSONTimeTests {
    static func time(_ json: String, options: ParserOptions = ParserOptions()) -> (String, Bool, UInt8) {
        let (_, event) = parseOne(json, options: options)
        return (event.time.rfc3339(fractionDigits: 9), event.hasOwnTime, event.timePrecision)
    }

    @Test(arguments: [
        (#"{"timestamp":"2024-03-01T01:08:41.773896Z"}"#, "2024-03-01T01:08:41.773896000Z", UInt8(6)),
        (#"{"@timestamp":"2020-09-14T00:44:23.000Z"}"#, "2020-09-14T00:44:23.000000000Z", 3),
        (#"{"time":"2024-03-01T01:00:00+02:00"}"#, "2024-02-29T23:00:00.000000000Z", 0),
        (#"{"time":"2024-03-01 01:00:00.5"}"#, "2024-03-01T01:00:00.500000000Z", 1),
        (#"{"ts":1664462456.755299}"#, "2022-09-29T14:40:56.755299000Z", 6),
        (#"{"ts":1664462456}"#, "2022-09-29T14:40:56.000000000Z", 0),
        (#"{"ts":1664462456755}"#, "2022-09-29T14:40:56.755000000Z", 3),
        (#"{"ts":1664462456755.25}"#, "2022-09-29T14:40:56.755250000Z", 5),
        (#"{"ts":1664462456755299}"#, "2022-09-29T14:40:56.755299000Z", 6),
        (#"{"ts":1664462456755299123}"#, "2022-09-29T14:40:56.755299123Z", 9),
        (#"{"ts":"1664462456.5"}"#, "2022-09-29T14:40:56.500000000Z", 1),
        (#"{"ts":"2018-03-24T17:16:39.739898Z"}"#, "2018-03-24T17:16:39.739898000Z", 6),
        (#"{"ts":1.23456789123}"#, "1970-01-01T00:00:01.234567891Z", 9),
    ])
    func timeMembers(json: String, expected: String, precision: UInt8) {
        #expect(Self.time(json) == (expected, true, precision))
    }

    @Test func keysAreTriedInOrderAndUnreadableValuesSkipped() {
        #expect(Self.time(#"{"ts":1,"timestamp":"2024-01-01T00:00:00Z"}"#).0 == "2024-01-01T00:00:00.000000000Z")
        #expect(Self.time(#"{"timestamp":"yesterday","ts":86400}"#).0 == "1970-01-02T00:00:00.000000000Z")
        let none = Self.time(#"{"timestamp":"soon","ts":1e9,"time":true}"#)
        #expect(none == (testReceiveTime.rfc3339(fractionDigits: 9), false, 0))
        #expect(Self.time(#"{"a":{"ts":5}}"#).1 == false)
    }

    @Test func timeKeysAreConfigurable() {
        let options = ParserOptions(jsonTimeKeys: ["TimeCreated", "Event.System.TimeCreated.SystemTime"])
        #expect(Self.time(#"{"ts":5,"TimeCreated":"2020-10-18 07:50:06.220"}"#, options: options).0 == "2020-10-18T07:50:06.220000000Z")
        #expect(
            Self.time(#"{"Event":{"System":{"TimeCreated":{"SystemTime":"2021-01-01T00:00:00.1234567Z"}}}}"#, options: options)
                == ("2021-01-01T00:00:00.123456700Z", true, 7))
    }

    @Test func stampsWithoutOffsetUseTheConfiguredZone() {
        let options = ParserOptions(timeZone: "Europe/Paris")
        #expect(Self.time(#"{"time":"2024-07-01T12:00:00"}"#, options: options).0 == "2024-07-01T10:00:00.000000000Z")
        #expect(Self.time(#"{"time":"2024-07-01T12:00:00Z"}"#, options: options).0 == "2024-07-01T12:00:00.000000000Z")
    }
}
