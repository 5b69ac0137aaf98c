import Foundation
import VigilEvent
import VigilStore

/// The API's JSON, written by hand: an alert is its stored JSON as vigil wrote it plus `"seq"` (the
/// evidence is never decoded and re-encoded), and the other objects are small and flat.
struct JSONObject {
    private var members: [(String, String)] = []

    init() {}

    mutating func add(_ key: String, raw: String) { members.append((key, raw)) }
    mutating func add(_ key: String, _ value: String) { members.append((key, jsonQuoted(value))) }
    mutating func add(_ key: String, _ value: String?) { members.append((key, value.map(jsonQuoted) ?? "null")) }
    mutating func add(_ key: String, _ value: Int) { members.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Int?) { members.append((key, value.map { String($0) } ?? "null")) }
    mutating func add(_ key: String, _ value: Int64) { members.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Int64?) { members.append((key, value.map { String($0) } ?? "null")) }
    mutating func add(_ key: String, _ value: Bool) { members.append((key, value ? "true" : "false")) }
    mutating func add(_ key: String, time nanoseconds: Int64) { members.append((key, jsonQuoted(rfc3339(nanoseconds)))) }
    mutating func add(_ key: String, array: [String]) { members.append((key, "[" + array.joined(separator: ",") + "]")) }

    var text: String {
        "{" + members.map { jsonQuoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

/// `value` as a JSON string. Besides what JSON requires, `<`, `>` and `&` are escaped, and U+2028/2029,
/// so that no client that mistakes the answer for HTML or script can be made to run what an event said.
func jsonQuoted(_ value: String) -> String {
    var out = "\""
    out.reserveCapacity(value.utf8.count + 2)
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{0}"..."\u{1F}", "\u{7F}":
            out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
    return out
}

/// RFC 3339 UTC with nanoseconds (`2026-03-01T00:00:00.123456789Z`).
func rfc3339(_ nanoseconds: Int64) -> String {
    Timestamp(nanoseconds: nanoseconds).rfc3339(fractionDigits: 9)
}

/// What the store holds as canonical JSON, checked to be an object before it is embedded (`{}` if not).
func embeddedObject(_ json: String) -> String {
    let trimmed = json.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.hasPrefix("{") && trimmed.hasSuffix("}") ? trimmed : "{}"
}

extension StoredAlert {
    /// The alert's JSON object as stored, with `"seq"` added as its last member.
    var apiJSON: String {
        var body = json.trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.hasPrefix("{"), body.hasSuffix("}") else { return "{\"seq\":\(sequence)}" }
        body.removeLast()
        let isEmpty = body.dropFirst().allSatisfy(\.isWhitespace)
        return body + (isEmpty ? "" : ",") + "\"seq\":\(sequence)}"
    }
}

extension EpisodeSummary {
    var apiJSON: String {
        var rule = JSONObject()
        rule.add("id", ruleID)
        rule.add("title", ruleTitle)
        rule.add("level", level)
        var object = JSONObject()
        object.add("episode_id", episodeID)
        object.add("kind", kind)
        object.add("rule", raw: rule.text)
        object.add("entity", raw: embeddedObject(entity))
        object.add("host", host)
        object.add("tier", tier)
        object.add("alert_state", alertState)
        object.add("count", count)
        object.add("first_seen", time: firstSeen)
        object.add("last_seen", time: lastSeen)
        object.add("latest_alert_id", latestAlertID)
        object.add("latest_seq", latestSequence)
        object.add("triage", triage.rawValue)
        object.add("resolution", resolution?.rawValue)
        return object.text
    }
}

extension TriageEntry {
    var apiJSON: String {
        var object = JSONObject()
        object.add("seq", sequence)
        object.add("episode_id", episodeID)
        object.add("action", action)
        object.add("actor", actor)
        object.add("at", time: at)
        object.add("note", note)
        object.add("from_tier", fromTier)
        object.add("to_tier", toTier)
        object.add("resolution", resolution?.rawValue)
        object.add("exception_id", exceptionID)
        return object.text
    }
}

extension AlertException {
    func apiJSON(now: Int64) -> String {
        var object = JSONObject()
        object.add("id", id)
        object.add("rule_id", ruleID)
        object.add("entity", raw: embeddedObject(entity))
        object.add("created_at", time: createdAt)
        object.add("expires_at", time: expiresAt)
        object.add("created_by", createdBy)
        object.add("note", note)
        object.add("episode_id", episodeID)
        object.add("applied", applied)
        object.add("expired", expiresAt <= now)
        return object.text
    }
}
