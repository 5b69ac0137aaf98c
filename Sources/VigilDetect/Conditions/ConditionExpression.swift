import VigilEvent

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

    /// `*`-only wildcard matching for identifier patterns (Sigma has no `?` there).
    static func wildcardMatch(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        GlobMatch.matches(pattern, text, singleWildcard: false)
    }
}
