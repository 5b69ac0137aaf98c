import Foundation

/// One alert as one terminal line for `vigil tail`: time, tier, state, rule title, entity, count.
///
/// Every value comes from a log line an attacker may have written: control characters (an escape
/// sequence could rewrite the analyst's terminal) are shown as `\u{…}` escapes, and long values are cut.
struct AlertTerminalLine {
    /// Whether to colour by tier (ANSI escapes).
    var colour: Bool

    /// The longest value shown (entity values, titles); the rest is cut and marked with `…`.
    static let maximumValueLength = 120

    /// The line for one alert JSON object, or nil when `json` is not an alert.
    func render(_ json: Data) -> String? {
        guard let alert = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return nil }
        let tier = (alert["tier"] as? Int) ?? 1
        let kind = (alert["kind"] as? String) ?? "detection"
        let rule = alert["rule"] as? [String: Any]
        let title = (rule?["title"] as? String) ?? (rule?["name"] as? String) ?? (rule?["id"] as? String) ?? "?"
        let episode = alert["episode"] as? [String: Any]
        let state = (episode?["state"] as? String) ?? "alert"
        let count = episode?["count"] as? Int
        let time = (alert["time"] as? String).map(Self.shortTime) ?? "-"
        var marks: [String] = []
        if state == "opened" { marks.append("NEW") }
        if let from = alert["escalated_from"] as? Int, state == "updated" { marks.append("ESCALATED T\(from)→T\(tier)") }
        if kind == "health" { marks.append("HEALTH") }

        var line = "\(time)  T\(tier)  \(Self.padded(state, 7))  \(Self.clean(title))"
        if let entity = alert["entity"] as? [String: Any], !entity.isEmpty {
            let pairs = entity.keys.sorted().map { key in "\(Self.clean(key))=\(Self.clean(Self.text(entity[key])))" }
            line += "  " + pairs.joined(separator: " ")
        } else if let host = alert["host"] as? String {
            line += "  host=\(Self.clean(host))"
        }
        if let count { line += "  count=\(count)" }
        if !marks.isEmpty { line += "  [" + marks.joined(separator: ", ") + "]" }
        guard colour else { return line }
        let code =
            switch tier {
            case 3: "1;31"  // bold red: incident
            case 2: "33"  // yellow: investigate
            default: "36"  // cyan: triage
            }
        return "\u{1B}[\(code)m\(line)\u{1B}[0m"
    }

    /// `2026-03-01T00:07:22.000000Z` as `2026-03-01 00:07:22Z`.
    static func shortTime(_ time: String) -> String {
        var text = clean(time)
        if let dot = text.firstIndex(of: "."), text.hasSuffix("Z") { text = String(text[..<dot]) + "Z" }
        return text.replacingOccurrences(of: "T", with: " ")
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// A JSON value as text (`null` for a missing value).
    static func text(_ value: Any?) -> String {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        case nil, is NSNull: "null"
        default: "\(value!)"
        }
    }

    /// `text` safe for a terminal: C0 and C1 control characters and DEL escaped, cut at
    /// ``maximumValueLength`` characters.
    static func clean(_ text: String) -> String {
        var result = ""
        var length = 0
        for scalar in text.unicodeScalars {
            if length >= maximumValueLength {
                result += "…"
                break
            }
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029 || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
            {
                result += "\\u{" + String(value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            length += 1
        }
        return result
    }
}
