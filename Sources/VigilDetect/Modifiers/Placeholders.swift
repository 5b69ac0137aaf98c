/// `expand`: replaces `%name%` placeholders with the values the configuration gives them
/// (spec: Detection > Placeholders). `\%` is a plain percent sign. A placeholder the configuration
/// does not define makes the rule invalid: the spec requires a tool that cannot expand to reject it.
enum Placeholders {
    /// Most values one expanded value may become.
    static let maximumExpansion = 10_000

    static func expand(_ pattern: SigmaPattern, with definitions: [String: [String]]) throws(ModifierChain.Failure) -> [SigmaPattern] {
        var alternatives: [[SigmaPattern.Part]] = [[]]
        for part in split(pattern).parts {
            guard case .placeholder(let name) = part else {
                alternatives = alternatives.map { $0 + [part] }
                continue
            }
            guard let values = definitions[name], !values.isEmpty else {
                throw ModifierChain.Failure(
                    message: "unknown placeholder '%\(name)%' (define it under 'placeholders' in the logsource configuration)")
            }
            guard alternatives.count * values.count <= maximumExpansion else {
                throw ModifierChain.Failure(message: "placeholders expand to more than \(maximumExpansion) values")
            }
            let expansions = values.map { SigmaPattern(parsing: $0).parts }
            alternatives = alternatives.flatMap { prefix in expansions.map { prefix + $0 } }
        }
        return alternatives.map { SigmaPattern(parts: $0) }
    }

    /// Finds `%name%` in literal parts (names: letters, digits, `_`, `-`, `.`).
    static func split(_ pattern: SigmaPattern) -> SigmaPattern {
        pattern.splittingLiterals { bytes, i in
            if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "%") {
                return (.literal([UInt8(ascii: "%")]), 2)
            }
            if bytes[i] == UInt8(ascii: "%"), let end = closingPercent(bytes, from: i + 1) {
                return (.placeholder(String(decoding: bytes[(i + 1)..<end], as: UTF8.self)), end + 1 - i)
            }
            return nil
        }
    }

    private static func closingPercent(_ bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j < bytes.count {
            let c = bytes[j]
            if c == UInt8(ascii: "%") { return j > start ? j : nil }
            let isName =
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            if !isName { return nil }
            j += 1
        }
        return nil
    }
}
