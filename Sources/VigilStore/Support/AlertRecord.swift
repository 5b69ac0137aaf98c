import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the store reads out of one alert line to index it and to fold it into its episode.
struct AlertRecord: Sendable, Hashable {
    var id: String
    var episodeID: Int64
    var kind: String
    var tier: Int
    var state: String
    var ruleID: String
    var ruleName: String?
    var ruleTitle: String
    var level: String
    /// Canonical JSON of `entity` (keys sorted), `{}` without one.
    var entity: String
    var host: String?
    var time: Int64
    var detectedAt: Int64
    /// `episode.count`; 1 without an episode.
    var count: Int64
    var json: String

    /// Why a line is not an alert the store can keep.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one alert's JSON object (no newline), checking it is JSON throughout (``AlertScanner``).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Invalid) -> AlertRecord {
        let members: AlertScanner.Members
        do {
            members = try bytes.withUnsafeBufferPointer { buffer throws(AlertScanner.Invalid) in try AlertScanner.scan(buffer) }
        } catch {
            throw Invalid(description: "not an alert's JSON object: \(error.reason)")
        }
        guard let id = members.id, !id.isEmpty, id.utf8.count <= 64 else { throw Invalid(description: "no alert id") }
        guard let ruleID = members.ruleID else { throw Invalid(description: "alert \(id): no rule id") }
        guard let time = members.time else { throw Invalid(description: "alert \(id): no time") }
        return AlertRecord(
            id: id, episodeID: members.episodeID ?? Self.episodeID(ofAlert: id), kind: members.kind ?? "detection",
            tier: Int(min(3, max(1, members.tier ?? 1))), state: members.state ?? "opened", ruleID: ruleID, ruleName: members.ruleName,
            ruleTitle: members.ruleTitle ?? ruleID, level: members.level ?? "informational",
            entity: CanonicalJSON.entity(members.entity ?? []),
            host: members.host, time: time, detectedAt: members.detectedAt ?? time, count: members.count ?? 1,
            json: String(decoding: bytes, as: UTF8.self))
    }

    /// The rule id and canonical entity of an alert line, for the exception list; nil when the line
    /// has no rule id or is not JSON.
    static func ruleAndEntity(_ bytes: ArraySlice<UInt8>) -> (ruleID: String, entity: String)? {
        guard let members = try? bytes.withUnsafeBufferPointer({ buffer throws(AlertScanner.Invalid) in try AlertScanner.scan(buffer) }),
            let ruleID = members.ruleID
        else { return nil }
        return (ruleID, CanonicalJSON.entity(members.entity ?? []))
    }

    /// The episode id the store gives an alert without one (`--emit all`): negative, so it can never be
    /// a pipeline's episode id (those are 53-bit non-negative integers), and derived from the alert id
    /// so a re-delivered alert lands in the same episode.
    static func episodeID(ofAlert id: String) -> Int64 {
        var value: Int64 = 0
        for byte in id.utf8.prefix(13) {
            let digit: Int64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int64(byte - UInt8(ascii: "a") + 10)
            default: digit = Int64(byte & 0x0F)
            }
            value = value << 4 | digit
        }
        return -(value + 1)
    }
}

/// Sigma levels in order, for `min_level`.
enum SigmaLevel {
    static let ordered = ["informational", "low", "medium", "high", "critical"]

    /// The level and those above it; nil for an unknown level.
    static func atLeast(_ level: String) -> [String]? {
        guard let index = ordered.firstIndex(of: level.lowercased()) else { return nil }
        return Array(ordered[index...])
    }
}

/// The one way the store writes an entity as text, so that alerts, episodes and exceptions compare equal.
enum CanonicalJSON {
    /// `{"key":"value",...}` with keys sorted by their UTF-8 bytes (a key given twice: its last value).
    static func entity(_ members: [(String, String?)]) -> String {
        guard !members.isEmpty else { return "{}" }
        var values: [String: String?] = [:]
        for (key, value) in members { values[key] = .some(value) }
        // JSONOutput: the escaping of every JSON vigil writes, so an entity compares equal to the alert's.
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in values.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendKey(key, to: &out)
            if let value = values[key]! { JSONOutput.appendString(value, to: &out) } else { JSONOutput.appendRaw("null", to: &out) }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// Alert times as the store reads and logs them, on VigilEvent's one RFC 3339 reader and writer.
enum RFC3339 {
    /// Nanoseconds since the epoch; nil unless `text` is a full RFC 3339 time (an alert's times always
    /// carry a time of day and an offset; a bare date is not one).
    static func nanoseconds(_ text: String) -> Int64? {
        guard text.utf8.count > 10 else { return nil }
        return Timestamp(rfc3339: text)?.nanoseconds
    }

    /// `2026-03-01T10:05:18.123456Z` (microseconds, as vigil writes alerts).
    static func string(_ nanoseconds: Int64) -> String {
        Timestamp(nanoseconds: nanoseconds).rfc3339(fractionDigits: 6)
    }
}

/// The wall clock in nanoseconds since the epoch.
func wallClockNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
