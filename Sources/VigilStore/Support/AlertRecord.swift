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
        var out = "{"
        for (index, key) in values.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            if let value = values[key]! { appendString(value, to: &out) } else { out += "null" }
        }
        return out + "}"
    }

    static func appendString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// RFC 3339 times as vigil writes them (`2026-03-01T10:05:18.000000Z`, any offset accepted) and back.
enum RFC3339 {
    /// Nanoseconds since the epoch; nil when `text` is not an RFC 3339 time.
    static func nanoseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { nanoseconds(bytes: $0) }
    }

    static func nanoseconds(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in start..<(start + count) {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100_000_000
            let start = index
            while index < b.count, b[index] &- UInt8(ascii: "0") < 10 {
                fraction += Int64(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(index + 1, 2), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"), let om = digits(index + 4, 2)
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1_000_000_000 + fraction
    }

    /// `2026-03-01T10:05:18.123456Z` (microseconds, as vigil writes alerts).
    static func string(_ nanoseconds: Int64) -> String {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        let micros = (nanoseconds - seconds * 1_000_000_000) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int64) -> (Int64, Int64, Int64) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// The wall clock in nanoseconds since the epoch.
func wallClockNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
