import Foundation
import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent
import VigilTestSupport

/// One differential case under Tests/Fixtures/Correlate/oracle: rules, events and the reference
/// oracle's windows (see scripts/oracle-fixtures.py).
///
/// Detections come from the oracle's own per-rule matches, so that these tests exercise correlation
/// alone (vigil's detection matching has its own differential tests); rule references resolve through
/// the real detection compiler.
struct OracleCase {
    struct Window: Hashable, CustomStringConvertible {
        var rule: String
        var group: [String]
        /// Window end and start, in microseconds since the epoch.
        var end: Int64
        var start: Int64
        var description: String { "\(rule) \(group) [\(start), \(end)]" }
    }

    let name: String
    let ruleSet: CorrelationRuleSet
    let diagnostics: [RuleDiagnostic]
    /// Detections in input order.
    let detections: [Detection]
    /// Event times of all events, in input order.
    let eventTimes: [Timestamp]
    /// Oracle windows with their metric, per compared rule.
    let expected: [Window: Double]
    /// Titles of rules the oracle rejected.
    let oracleErrors: [String]

    init(_ name: String) throws {
        self.name = name
        let folder = TestPaths.fixture("Correlate/oracle/\(name)")
        let loaded = SigmaFileLoader.load(paths: [folder.appendingPathComponent("rules.yml").path])
        precondition(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let detectionRules = SigmaRuleSet.compile(documents: loaded.documents).ruleSet
        let resolve = { (reference: String) in detectionRules.rule(reference: reference)?.ruleID }
        (ruleSet, diagnostics) = CorrelationRuleSet.compile(loaded.documents, resolving: resolve)

        let expectedJSON =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("expected.json"))) as! [String: Any]
        let lines = try String(contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var events: [(time: Timestamp, fields: [String: String], line: String)] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let fields = flatten(object)
            let time = fields["timestamp"].flatMap(parseRFC3339) ?? .distantPast
            events.append((time, fields, line))
        }
        eventTimes = events.map(\.time)
        var detections: [Detection] = []
        let matches = expectedJSON["detections"] as! [String: [Int]]
        for (sigmaID, numbers) in matches {
            guard let rule = resolve(sigmaID) else { continue }
            let fields = ruleSet.requiredFields(for: rule)
            for number in numbers {
                let event = events[number - 1]
                detections.append(
                    Detection(
                        rule: rule, time: event.time, source: SourceID(0), sequence: UInt64(number),
                        values: fields.map { (name: $0, value: event.fields[$0.name]) }, event: event.line))
            }
        }
        self.detections = detections.sorted { ($0.sequence, $0.rule) < ($1.sequence, $1.rule) }

        var expected: [Window: Double] = [:]
        for correlation in expectedJSON["correlations"] as! [[String: Any]] {
            let key = Self.ruleKey(id: correlation["id"] as? String, title: correlation["title"] as! String)
            for alert in correlation["alerts"] as! [[String: Any]] {
                let group = (alert["group"] as! [String: Any]).sorted { $0.key < $1.key }.map { "\($0.key)=\(jsonText($0.value))" }
                let window = Window(
                    rule: key, group: group, end: Self.micros(alert["end"] as! Double), start: Self.micros(alert["start"] as! Double))
                expected[window] = (alert["metric"] as! NSNumber).doubleValue
            }
        }
        self.expected = expected
        oracleErrors = expectedJSON["errors"] as! [String]
    }

    static func ruleKey(id: String?, title: String) -> String { (id?.isEmpty ?? true) ? title : id! }

    static func micros(_ seconds: Double) -> Int64 { Int64((seconds * 1_000_000).rounded()) }

    /// The rules whose windows the oracle reports (those no other correlation reads).
    var comparedRules: Set<String> { Set(expected.keys.map(\.rule)) }

    /// The windows of vigil's alerts, in the oracle's terms.
    func windows(of alerts: [Alert]) -> [Window: Double] {
        var out: [Window: Double] = [:]
        for alert in alerts {
            let rule = ruleSet.rules.first { $0.alertRule.id == alert.rule.id }!
            let key = Self.ruleKey(id: rule.id, title: rule.title)
            let group = alert.group.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value ?? "null")" }
            let end = alert.windowEnd!.nanoseconds / 1000, start = alert.windowStart!.nanoseconds / 1000
            out[Window(rule: key, group: group, end: end, start: start)] = alert.metric?.value
        }
        return out
    }
}

/// Nested JSON objects flattened to dotted paths; values as the text a decoder would give.
func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
    var out: [String: String] = [:]
    for (key, value) in object where !key.hasPrefix("_") {
        let path = prefix.isEmpty ? key : prefix + "." + key
        if let nested = value as? [String: Any] {
            out.merge(flatten(nested, prefix: path)) { a, _ in a }
        } else if !(value is NSNull) {
            out[path] = jsonText(value)
        }
    }
    return out
}

func jsonText(_ value: Any) -> String {
    if let string = value as? String { return string }
    if let number = value as? NSNumber {
        let double = number.doubleValue
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return "\(double)"
    }
    return "\(value)"
}

/// `YYYY-MM-DDTHH:MM:SS[.f+]Z`
func parseRFC3339(_ text: String) -> Timestamp? {
    let chars = Array(text.utf8)
    guard chars.count >= 20 else { return nil }
    func number(_ from: Int, _ count: Int) -> Int? {
        var value = 0
        for i in from..<from + count {
            guard chars[i] >= 48, chars[i] <= 57 else { return nil }
            value = value * 10 + Int(chars[i] - 48)
        }
        return value
    }
    guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2), let mi = number(14, 2),
        let s = number(17, 2)
    else { return nil }
    var nanos = 0
    var i = 19
    if i < chars.count, chars[i] == UInt8(ascii: ".") {
        i += 1
        var digits = 0
        while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
            if digits < 9 { nanos = nanos * 10 + Int(chars[i] - 48) }
            digits += 1
            i += 1
        }
        if digits < 9 { for _ in digits..<9 { nanos *= 10 } }
    }
    return Timestamp(CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: nanos))
}
