import Testing
import VigilEvent

@testable import VigilDecode

/// Checks of typed field values and the time stamp forms `timestamp` fields accept.
@Suite struct FieldTypeTests {
    static func check(_ text: String, _ f: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var t = text
        return t.withUTF8 { f(UnsafeRawBufferPointer($0)) }
    }

    @Test(arguments: [
        ("1.2.3.4", true), ("255.255.255.255", true), ("0.0.0.0", true), ("256.1.1.1", false), ("1.2.3", false),
        ("1.2.3.4.5", false), ("1..3.4", false), ("1.2.3.4 ", false), ("183.106.179.x", false), ("", false),
        ("::", true), ("::1", true), ("2001:db8::7", true), ("fe80::baac:6fff:fe7d:d2e0", true), ("::ffff:192.0.2.1", true),
        ("1:2:3:4:5:6:7:8", true), ("1:2:3:4:5:6:7:8:9", false), ("1::2::3", false), ("12345::1", false), (":1", false),
        ("1:", false), ("fe80::1%eth0", true), ("fe80::1%", false), ("2001:db8:0:0:0:0:2:1", true), ("g::1", false),
        ("host.example.com", false),
    ])
    func ipAddresses(_ text: String, _ valid: Bool) {
        #expect(Self.check(text, FieldTypeCheck.isIP) == valid)
    }

    @Test(arguments: [
        ("0", true), ("22", true), ("65535", true), ("65536", false), ("-1", false), ("", false), ("8o", false), ("000022", false),
    ])
    func ports(_ text: String, _ valid: Bool) {
        #expect(Self.check(text, FieldTypeCheck.isPort) == valid)
    }

    @Test(arguments: [
        ("0", true), ("-42", true), ("+7", true), ("9223372036854775807", true), ("9223372036854775808", false), ("-", false),
        ("1.5", false), ("", false), ("12a", false),
    ])
    func integers(_ text: String, _ valid: Bool) {
        #expect(Self.check(text, FieldTypeCheck.isInt) == valid)
    }

    @Test(arguments: [
        ("10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"),
        ("1/Apr/2014:00:00:01 +0530", "2014-03-31T18:30:01Z"),
        ("2024-03-01T12:00:00.5+01:00", "2024-03-01T11:00:00.5Z"),
        ("2024-03-01 12:00:00", "2024-03-01T12:00:00Z"),
        ("2024-03-01T12:00:00.123456789Z", "2024-03-01T12:00:00.123456789Z"),
        ("2014/12/30 06:07:37", "2014-12-30T06:07:37Z"),
        ("Sun Dec 04 04:47:44 2005", "2005-12-04T04:47:44Z"),
        ("Tue Sep 30 11:30:13.262255 2014", "2014-09-30T11:30:13.262255Z"),
        ("Wed Jul  7 18:32:27 2016", "2016-07-07T18:32:27Z"),
    ])
    func timestamps(_ text: String, _ rfc3339: String) throws {
        let parsed = try #require(Self.parse(text))
        var out: [UInt8] = []
        TimestampText.appendRFC3339(parsed.time, fractionDigits: parsed.fractionDigits, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == rfc3339)
    }

    @Test(arguments: [
        "", "yesterday", "2024-02-30 12:00:00", "10/Foo/2000:13:55:36 -0700", "2024-03-01T25:00:00Z", "2024-03-01T12:00:00Zjunk",
        "Sun Dec 04 04:47:44",
    ])
    func invalidTimestamps(_ text: String) {
        #expect(Self.parse(text) == nil)
    }

    static func parse(_ text: String) -> TimestampText.Parsed? {
        var t = text
        return t.withUTF8 { TimestampText.parse(UnsafeRawBufferPointer($0)) }
    }
}

/// The literal prefix checked before PCRE2 runs must be implied by the pattern, never more.
@Suite struct PatternPrefixTests {
    @Test(arguments: [
        ("^Accepted (?<m>\\S+) for", "Accepted "), ("^\\[UFW (?<a>\\w+)\\]", "[UFW "), ("^Failed", "Failed"),
        ("^abc?d", "ab"), ("^ab*", "a"), ("^ab+c", "ab"), ("^a{2}", ""), ("^x|^y", ""), ("^(?:a|b)c", ""),
        ("Accepted", ""), ("(?i)^abc", ""), ("^a[|]b", "a"), ("^\\d+ x", ""), ("^a\\.b", "a.b"), ("^", ""),
        ("^pam_unix\\((?<s>su|sudo):", "pam_unix("), ("(?J)^Disconnecting(?:: x|y)", "Disconnecting"), ("(?J)^a|b", ""),
    ])
    func prefixes(_ pattern: String, _ prefix: String) {
        #expect(String(decoding: PatternPrefix.required(by: pattern), as: UTF8.self) == prefix)
    }

    @Test(arguments: [
        ("^pam_unix\\(", true), ("^abc", true), ("^a\\.b", true), ("^ab+", false), ("^abc?", false), ("^abc$", false),
        ("^ab(?<x>c)", false), ("abc", false), ("^", false), ("(?J)^abc", true),
    ])
    func wholeLiterals(_ pattern: String, _ whole: Bool) {
        #expect(PatternPrefix.analyze(pattern).isWholePattern == whole)
    }
}
