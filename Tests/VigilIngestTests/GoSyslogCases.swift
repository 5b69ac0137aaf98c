import Foundation
import Testing
import VigilEvent
import VigilTestSupport

/// The go-syslog test tables (syslog-vectors/go-syslog, MIT): read with Foundation, in tests only.
enum GoSyslog {
    /// One case of rfc5424_cases.json or rfc3164_cases.json.
    struct ParseCase: CustomTestStringConvertible, Sendable {
        var index: Int
        var input: [UInt8]
        var valid: Bool
        var options: [String]
        var expected: [String: any Sendable]?
        var comment: String

        var testDescription: String { "#\(index) \(comment)" }
    }

    static func parseCases(_ file: String) throws -> [ParseCase] {
        let data = try Data(contentsOf: TestPaths.shared("syslog-vectors/go-syslog/\(file)"))
        let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try list.enumerated().map { index, c in
            ParseCase(
                index: index,
                input: Array(try #require(Data(base64Encoded: c["input_base64"] as? String ?? ""))),
                valid: c["valid"] as? Bool ?? false,
                options: c["parser_options"] as? [String] ?? [],
                expected: (c["expected"] as? [String: Any]).map(sendable),
                comment: (c["comment"] as? String) ?? (c["note"] as? String) ?? (c["source"] as? String) ?? "")
        }
    }

    /// JSONSerialization gives `[String: Any]`; the values are plists, so this is only a type change.
    static func sendable(_ dictionary: [String: Any]) -> [String: any Sendable] {
        dictionary.mapValues { value -> any Sendable in
            switch value {
            case let d as [String: Any]: return sendable(d)
            case let s as String: return s
            case let n as NSNumber: return n.intValue
            default: return "\(value)"
            }
        }
    }

    /// The instant of a Go RFC3339Nano string (`2003-08-24T05:14:15.000003-07:00`, `...Z`).
    static func instant(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ n: Int) -> Int? { from + n <= b.count ? Int(String(decoding: b[from..<from + n], as: UTF8.self)) : nil }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2) else {
            return nil
        }
        var i = 19
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                nanos = nanos * 10 + Int(b[i] - 0x30)
                digits += 1
                i += 1
            }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        }
        return Timestamp(CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: nanos), utcOffsetSeconds: offset)
    }

    /// The expected message bytes (`message` or `message_base64`), if any.
    static func expectedMessage(_ expected: [String: any Sendable]) -> [UInt8]? {
        if let m = expected["message"] as? String { return Array(m.utf8) }
        if let m = expected["message_base64"] as? String { return Data(base64Encoded: m).map(Array.init) }
        return nil
    }
}

/// A list of known disagreements with a reference, kept in Tests/Fixtures: `<case> <aspect> <reason>` per
/// line, `#` comments. Tests compare the set of (case, aspect) they find with it exactly.
struct DisagreementFixture {
    var entries: [String: String] = [:]

    init(_ relativePath: String) throws {
        let text = try String(contentsOf: TestPaths.fixture(relativePath), encoding: .utf8)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2 { entries["\(parts[0]) \(parts[1])"] = parts.count > 2 ? String(parts[2]) : "" }
        }
    }

    /// Fails the test unless `found` (keys `<case> <aspect>`) equals the fixture's set.
    func expectMatches(_ found: [String: String], sourceLocation: SourceLocation = #_sourceLocation) {
        let unexpected = found.keys.filter { entries[$0] == nil }.sorted()
        let fixed = entries.keys.filter { found[$0] == nil }.sorted()
        #expect(
            unexpected.isEmpty, "new disagreements:\n\(unexpected.map { "\($0) \(found[$0]!)" }.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        #expect(fixed.isEmpty, "listed but no longer found: \(fixed)", sourceLocation: sourceLocation)
    }
}
