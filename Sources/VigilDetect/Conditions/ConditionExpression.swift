/// A parsed Sigma condition (spec: Detection > Condition).
indirect enum ConditionExpression: Equatable, Sendable {
    /// `1 of X` (any) or `all of X`.
    enum Quantifier: Equatable, Sendable {
        case any
        case all
    }

    case identifier(String)
    /// `1 of pattern`, `all of pattern`; the pattern `them` selects every identifier not starting with `_`.
    case selector(Quantifier, pattern: String)
    case not(ConditionExpression)
    case and([ConditionExpression])
    case or([ConditionExpression])

    /// Search identifiers a selector pattern picks, in definition order.
    ///
    /// `them` and patterns not starting with `_` skip identifiers starting with `_` (the spec's
    /// convention for helper identifiers); `*` matches any run of characters.
    static func identifiers(matching pattern: String, in names: [String]) -> [String] {
        if pattern == "them" { return names.filter { !$0.hasPrefix("_") } }
        let includeUnderscored = pattern.hasPrefix("_")
        return names.filter { name in
            (includeUnderscored || !name.hasPrefix("_")) && wildcardMatch(Array(pattern.utf8), Array(name.utf8))
        }
    }

    /// `*`-only wildcard matching for identifier patterns.
    static func wildcardMatch(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if p < pattern.count && pattern[p] == text[t] {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
