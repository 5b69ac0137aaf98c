/// Reads the members the store needs out of one alert's JSON object in a single pass, checking the
/// whole text is JSON but building nothing for the rest (the evidence).
///
/// Foundation's `JSONSerialization` built every value of the evidence too and took two thirds of the
/// store writer's time (about 40 µs an alert); this takes a few.
struct AlertScanner {
    struct Invalid: Error {
        var reason: String
    }

    /// Deeper nesting than this is refused (the stack is bounded, whatever a line holds).
    static let maximumDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// What ``scan(_:)`` found; nil where the alert lacks a member.
    struct Members {
        var id: String?
        var kind: String?
        var time: Int64?
        var detectedAt: Int64?
        var tier: Int64?
        var ruleID: String?
        var ruleName: String?
        var ruleTitle: String?
        var level: String?
        var entity: [(String, String?)]?
        var host: String?
        var episodeID: Int64?
        var state: String?
        var count: Int64?
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(Invalid) -> Members {
        var scanner = AlertScanner(bytes)
        var members = Members()
        scanner.skipWhitespace()
        try scanner.object { (scanner, key) throws(Invalid) in
            switch key {
            case "id": members.id = try scanner.string()
            case "kind": members.kind = try scanner.string()
            case "time": members.time = try scanner.time()
            case "detected_at": members.detectedAt = try scanner.time()
            case "tier": members.tier = try scanner.integer()
            case "host": members.host = try scanner.string()
            case "rule":
                try scanner.object { (scanner, key) throws(Invalid) in
                    switch key {
                    case "id": members.ruleID = try scanner.string()
                    case "name": members.ruleName = try scanner.string()
                    case "title": members.ruleTitle = try scanner.string()
                    case "level": members.level = try scanner.string()
                    default: try scanner.skipValue(depth: 2)
                    }
                }
            case "entity":
                var entity: [(String, String?)] = []
                try scanner.object { (scanner, key) throws(Invalid) in
                    entity.append((key, try scanner.peek() == UInt8(ascii: "\"") ? scanner.string() : scanner.nullOrSkip(depth: 2)))
                }
                members.entity = entity
            case "episode":
                try scanner.object { (scanner, key) throws(Invalid) in
                    switch key {
                    case "id": members.episodeID = try scanner.integer()
                    case "state": members.state = try scanner.string()
                    case "count": members.count = try scanner.integer()
                    default: try scanner.skipValue(depth: 2)
                    }
                }
            default:
                try scanner.skipValue(depth: 1)
            }
        }
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw Invalid(reason: "text after the alert's object") }
        return members
    }

    // MARK: Values

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func peek() throws(Invalid) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw Invalid(reason: "the object ends early") }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(Invalid) {
        guard try peek() == byte else { throw Invalid(reason: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(index)") }
        index += 1
    }

    /// An object, handing each member's key to `member`, which reads or skips its value.
    private mutating func object(_ member: (inout AlertScanner, String) throws(Invalid) -> Void) throws(Invalid) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw Invalid(reason: "expected ',' or '}' at byte \(index)")
            }
        }
    }

    /// A string, unescaped.
    private mutating func string() throws(Invalid) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        // Most strings have no escape: taken as they are.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw Invalid(reason: "a control character in a string at byte \(index)") }
            index += 1
        }
        guard index < bytes.count else { throw Invalid(reason: "a string does not end") }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
        }
        var unescaped = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw Invalid(reason: "a string does not end") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: unescaped, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Invalid(reason: "a string does not end") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escaped)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            unescaped.append(contentsOf: [0xEF, 0xBF, 0xBD])  // a lone high surrogate
                            scalar = low
                        }
                    }
                    unescaped.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default:
                    throw Invalid(reason: "a bad escape in a string at byte \(index - 1)")
                }
            default:
                guard byte >= 0x20 else { throw Invalid(reason: "a control character in a string at byte \(index - 1)") }
                unescaped.append(byte)
            }
        }
    }

    private mutating func hex4() throws(Invalid) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Invalid(reason: "a string does not end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Invalid(reason: "a bad \\u escape at byte \(index)")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// An RFC 3339 time string, in nanoseconds since the epoch.
    private mutating func time() throws(Invalid) -> Int64 {
        let text = try string()
        guard let nanoseconds = RFC3339.nanoseconds(text) else { throw Invalid(reason: "'\(text.prefix(40))' is not an RFC 3339 time") }
        return nanoseconds
    }

    /// A number that must be an integer (a fraction or exponent is refused).
    private mutating func integer() throws(Invalid) -> Int64 {
        skipWhitespace()
        let start = index
        try skipNumber()
        var value: Int64 = 0
        var negative = false
        for position in start..<index {
            let byte = bytes[position]
            if byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte &- UInt8(ascii: "0") < 10 else { throw Invalid(reason: "not an integer at byte \(start)") }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw Invalid(reason: "an integer out of range at byte \(start)") }
            value = sum
        }
        return negative ? -value : value
    }

    /// `null` (nil), or any other value, skipped (nil too).
    private mutating func nullOrSkip(depth: Int) throws(Invalid) -> String? {
        try skipValue(depth: depth)
        return nil
    }

    /// Checks and steps over one value.
    private mutating func skipValue(depth: Int) throws(Invalid) {
        guard depth <= Self.maximumDepth else { throw Invalid(reason: "nested deeper than \(Self.maximumDepth)") }
        switch try peek() {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"):
            index += 1
            if try peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw Invalid(reason: "expected a key at byte \(index)") }
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return
                default: throw Invalid(reason: "expected ',' or '}' at byte \(index)")
                }
            }
        case UInt8(ascii: "["):
            index += 1
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return
                default: throw Invalid(reason: "expected ',' or ']' at byte \(index)")
                }
            }
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        default: try skipNumber()
        }
    }

    private mutating func skipString() throws(Invalid) {
        index += 1  // the opening quote
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    index += 2
                    _ = try hex4()
                default:
                    throw Invalid(reason: "a bad escape in a string at byte \(index)")
                }
                continue
            }
            guard byte >= 0x20 else { throw Invalid(reason: "a control character in a string at byte \(index)") }
            index += 1
        }
        throw Invalid(reason: "a string does not end")
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Invalid) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            UnsafeBufferPointer(start: literal.utf8Start, count: count).elementsEqual(bytes[index..<(index + count)])
        else { throw Invalid(reason: "an unknown value at byte \(index)") }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(Invalid) {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integral = index
        guard digits() > 0 else { throw Invalid(reason: "an unknown value at byte \(start)") }
        if bytes[integral] == UInt8(ascii: "0"), index - integral > 1 {
            throw Invalid(reason: "a number with a leading zero at byte \(start)")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw Invalid(reason: "a bad number at byte \(start)") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw Invalid(reason: "a bad number at byte \(start)") }
        }
    }
}
