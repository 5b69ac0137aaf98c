import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import VigilEvent
import VigilStore

/// Query-string parameters of the listings and the stream, checked: a bad value is a 400 that names it.
struct QueryParameters {
    static let maximumTextLength = 1024
    static let levels = ["informational", "low", "medium", "high", "critical"]
    static let alertStates: Set<String> = ["opened", "updated", "closed"]

    let values: [String: String]

    init(_ uri: URI) {
        var values: [String: String] = [:]
        for (key, value) in uri.queryParameters where values[String(key)] == nil {
            values[String(key)] = String(value)
        }
        self.values = values
    }

    /// A non-empty value, at most ``maximumTextLength`` bytes.
    func text(_ name: String) throws(APIError) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        guard value.utf8.count <= Self.maximumTextLength else {
            throw .badRequest("\(name) is longer than \(Self.maximumTextLength) bytes")
        }
        return value
    }

    func list(_ name: String) throws(APIError) -> [String] {
        guard let value = try text(name) else { return [] }
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func tiers(_ name: String = "tier") throws(APIError) -> Set<Int> {
        var tiers: Set<Int> = []
        for item in try list(name) {
            guard let tier = Int(item), (1...3).contains(tier) else { throw .badRequest("\(name) must list tiers 1 to 3, not '\(item)'") }
            tiers.insert(tier)
        }
        return tiers
    }

    func states() throws(APIError) -> Set<String> {
        let states = Set(try list("state"))
        if let bad = states.first(where: { !Self.alertStates.contains($0) }) {
            throw .badRequest("state must be opened, updated or closed, not '\(bad)'")
        }
        return states
    }

    func triage() throws(APIError) -> Set<TriageState> {
        var states: Set<TriageState> = []
        for item in try list("triage") {
            guard let state = TriageState(rawValue: item) else {
                throw .badRequest("triage must be new, acknowledged, escalated or closed, not '\(item)'")
            }
            states.insert(state)
        }
        return states
    }

    func minimumLevel() throws(APIError) -> String? {
        guard let level = try text("min_level") else { return nil }
        guard Self.levels.contains(level) else { throw .badRequest("min_level must be one of \(Self.levels.joined(separator: ", "))") }
        return level
    }

    func time(_ name: String, now: Int64) throws(APIError) -> Int64? {
        guard let value = try text(name) else { return nil }
        guard let time = parseTime(value, now: now) else {
            throw .badRequest("\(name) must be an RFC 3339 time (2026-03-01T00:00:00Z) or relative to now (-1h, -30m, -7d)")
        }
        return time
    }

    func limit() throws(APIError) -> Int {
        guard let value = try text("limit") else { return 100 }
        guard let limit = Int(value), limit >= 1 else { throw .badRequest("limit must be a positive number") }
        return min(limit, 1000)
    }

    /// The filters of `GET /alerts` and `GET /episodes`.
    func alertQuery(now: Int64) throws(APIError) -> AlertQuery {
        var query = AlertQuery()
        query.from = try time("from", now: now)
        query.to = try time("to", now: now)
        query.tiers = try tiers()
        query.states = try states()
        query.triage = try triage()
        query.rule = try text("rule")
        query.kind = try text("kind")
        query.minimumLevel = try minimumLevel()
        query.entity = try text("entity")
        query.text = try text("text")
        query.limit = try limit()
        query.cursor = try text("cursor")
        return query
    }
}

/// A Sigma level's rank (informational 0 ... critical 4); unknown levels rank lowest.
func levelRank(_ level: String) -> Int {
    QueryParameters.levels.firstIndex(of: level.lowercased()) ?? 0
}

/// Nanoseconds since the epoch now.
func nowNanoseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1e9).rounded())
}

/// `-1h`, `-30m`, `-7d` (relative to `now`), or an RFC 3339 time.
func parseTime(_ text: String, now: Int64) -> Int64? {
    if text.hasPrefix("-") {
        guard case .success(let span) = Timestamp.Duration.parse(String(text.dropFirst()), grammar: .commandLine) else { return nil }
        let (time, overflow) = now.subtractingReportingOverflow(span.nanoseconds)
        return overflow ? nil : time
    }
    return Timestamp(rfc3339: text)?.nanoseconds
}

/// A span ahead (`7d`, `12h`), as for an exception's expiry; nil when malformed or not positive.
func parseSpan(_ text: String) -> Int64? {
    guard case .success(let span) = Timestamp.Duration.parse(text, grammar: .commandLine), span.nanoseconds > 0 else { return nil }
    return span.nanoseconds
}
