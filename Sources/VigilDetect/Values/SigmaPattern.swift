/// A Sigma string value after escape processing: literal text, wildcards and the character classes
/// modifiers introduce.
///
/// Literal parts hold the rule's UTF-8 bytes as written (not folded): encoding modifiers (base64,
/// utf16) work on the original text, and folding happens when the pattern is compiled to a matcher.
struct SigmaPattern: Hashable, Sendable, CustomStringConvertible {
    enum Part: Hashable, Sendable {
        case literal([UInt8])
        /// `*`: any run of characters, possibly empty.
        case anyRun
        /// `?`: exactly one character.
        case anyCharacter
        /// One of `-`, `/`, U+2013, U+2014, U+2015 (the `windash` modifier).
        case dash
        /// `%name%` inside a value with the `expand` modifier.
        case placeholder(String)
    }

    var parts: [Part]

    init(parts: [Part]) {
        var merged: [Part] = []
        for part in parts {
            if case .literal(let bytes) = part {
                if bytes.isEmpty { continue }
                if case .literal(let previous) = merged.last {
                    merged[merged.count - 1] = .literal(previous + bytes)
                    continue
                }
            }
            merged.append(part)
        }
        self.parts = merged
    }

    /// Rewrites the literal parts: at each offset of a literal, `scan` returns the part that replaces the
    /// bytes there and how many bytes it takes, or nil to keep the byte as text. Other parts stay.
    func splittingLiterals(_ scan: (_ bytes: [UInt8], _ offset: Int) -> (part: Part, length: Int)?) -> SigmaPattern {
        var result: [Part] = []
        for part in parts {
            guard case .literal(let bytes) = part else {
                result.append(part)
                continue
            }
            var literal: [UInt8] = []
            var i = 0
            while i < bytes.count {
                if let (replacement, length) = scan(bytes, i) {
                    result.append(.literal(literal))
                    literal = []
                    result.append(replacement)
                    i += length
                } else {
                    literal.append(bytes[i])
                    i += 1
                }
            }
            result.append(.literal(literal))
        }
        return SigmaPattern(parts: result)
    }

    /// A pattern that is exactly this text, with no wildcards.
    init(literal text: String) {
        self.init(parts: [.literal(Array(text.utf8))])
    }

    /// Parses a rule value with the spec's escaping (Detection > Escape Character): `\*`, `\?` and
    /// `\\` are literal `*`, `?` and `\`; a backslash before anything else is a plain backslash.
    init(parsing text: String) {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var escaped = false
        for byte in text.utf8 {
            if escaped {
                escaped = false
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "\\") {
                    literal.append(byte)
                } else {
                    literal.append(UInt8(ascii: "\\"))
                    literal.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                escaped = true
            case UInt8(ascii: "*"):
                parts.append(.literal(literal))
                literal = []
                parts.append(.anyRun)
            case UInt8(ascii: "?"):
                parts.append(.literal(literal))
                literal = []
                parts.append(.anyCharacter)
            default:
                literal.append(byte)
            }
        }
        if escaped { literal.append(UInt8(ascii: "\\")) }
        parts.append(.literal(literal))
        self.init(parts: parts)
    }

    /// Whether the pattern has wildcards or classes (anything but literal text).
    var hasSpecialParts: Bool {
        parts.contains { if case .literal = $0 { false } else { true } }
    }

    var startsWithAnyRun: Bool { parts.first == .anyRun }
    var endsWithAnyRun: Bool { parts.last == .anyRun }

    /// The literal text when the pattern has no special parts.
    var plainBytes: [UInt8]? {
        if hasSpecialParts { return nil }
        if case .literal(let bytes) = parts.first { return bytes }
        return []
    }

    /// `*` + self + `*`, without doubling existing wildcards (the `contains` modifier).
    func surroundedByAnyRun() -> SigmaPattern { prefixedByAnyRun().suffixedByAnyRun() }

    func prefixedByAnyRun() -> SigmaPattern {
        startsWithAnyRun ? self : SigmaPattern(parts: [.anyRun] + parts)
    }

    func suffixedByAnyRun() -> SigmaPattern {
        endsWithAnyRun ? self : SigmaPattern(parts: parts + [.anyRun])
    }

    /// Applies `transform` to every literal part, keeping wildcards where they are.
    func mapLiterals(_ transform: ([UInt8]) -> [UInt8]) -> SigmaPattern {
        SigmaPattern(
            parts: parts.map { part in
                if case .literal(let bytes) = part { return .literal(transform(bytes)) }
                return part
            })
    }

    var description: String {
        parts.map { part in
            switch part {
            case .literal(let bytes): String(decoding: bytes, as: UTF8.self)
            case .anyRun: "*"
            case .anyCharacter: "?"
            case .dash: "[-/–—―]"
            case .placeholder(let name): "%\(name)%"
            }
        }.joined()
    }
}
