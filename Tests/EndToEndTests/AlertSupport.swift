import Foundation
import VigilTestSupport

/// The demo inputs (`make demo`), in the order the Makefile passes them.
let sampleInputs = [
    "samples/auth.log", "samples/cron.log", "samples/attacks.log", "samples/web.log", "samples/ufw.log", "samples/events.jsonl",
    "samples/rfc5424.log",
]

/// `vigil run --rules rules/sigma` over the samples, with the year pinned so the output does not age.
func runSamples(_ extra: [String] = []) throws -> ProcessResult {
    try runVigil(["run", "--rules", "rules/sigma", "--year", "2026"] + extra + sampleInputs)
}

/// Alert lines sorted: the same set whatever order sharded correlation wrote them in.
func sortedLines(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).sorted()
}

/// The alerts without `detected_at` and the rules' `file` (a configuration file names rule paths from
/// its own directory), to compare runs that name the same rules differently.
func comparable(_ text: String) -> String {
    withoutDetectionTimes(text).replacingOccurrences(of: #","file":"[^"]*"\}"#, with: "}", options: .regularExpression)
}

/// The alerts without `detected_at`, the one member that differs between runs of the same input.
func withoutDetectionTimes(_ text: String) -> String {
    text.replacingOccurrences(of: #""detected_at":"[^"]*","#, with: "", options: .regularExpression)
}

/// Each alert without its evidence (`event`, `events`): kind, rule, time, group, metric, window and
/// episode, one compact line each, sorted. What the golden file holds.
func alertSummaries(_ text: String) throws -> [String] {
    try text.split(separator: "\n").map { line in
        var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        object["event"] = nil
        object["events"] = nil
        object["detected_at"] = nil
        if let rule = object["rule"] as? [String: Any] { object["rule"] = rule["name"] ?? rule["id"] }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }.sorted()
}

/// Alerts parsed as JSON objects.
func alertObjects(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
}

/// The rule name (or id) of an alert object.
func ruleName(_ alert: [String: Any]) -> String {
    let rule = alert["rule"] as? [String: Any] ?? [:]
    return (rule["name"] as? String) ?? (rule["id"] as? String) ?? ""
}

/// The first entity value of an alert (a correlation's first group-by value).
func groupValue(_ alert: [String: Any]) -> String? {
    (alert["entity"] as? [String: Any])?.values.first as? String
}

/// The alert's kind, read from its JSON line.
func alertKind(_ line: Substring) -> String? {
    ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["kind"] as? String
}

/// A temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
