import VigilRegex

/// One test a value list entry performs on a field's value, after all modifiers were applied.
enum ValueTest: Hashable, Sendable {
    enum Comparison: String, Hashable, Sendable, CaseIterable {
        case lessThan = "lt"
        case lessOrEqual = "lte"
        case greaterThan = "gt"
        case greaterOrEqual = "gte"
    }

    enum DatePart: String, Hashable, Sendable, CaseIterable {
        case minute, hour, day, week, month, year
    }

    /// How a field reference compares (`fieldref` plus `startswith`, `endswith`, `contains`).
    enum ReferenceMode: Hashable, Sendable, CaseIterable {
        case equals, prefix, suffix, contains
    }

    /// A string match with wildcards; case-insensitive unless `cased`.
    case pattern(SigmaPattern, cased: Bool)
    /// A PCRE2 search (unanchored) on the value as written.
    case regex(String, Regex.Options)
    case cidr(IPNetwork)
    case compare(Comparison, Double)
    /// `|exists: true/false`: the field is (not) present, whatever its value.
    case exists(Bool)
    /// `null`: the field is absent or JSON null.
    case null
    /// `|fieldref`: the value equals (or starts with, ...) another field's value.
    case fieldReference(String, ReferenceMode)
    case datePart(DatePart, Int)
}

/// One entry of a value list; several alternatives come from modifiers that expand one value
/// (`base64offset`, `expand`). Alternatives are always linked with OR, even under `all`.
struct ValueGroup: Hashable, Sendable {
    var alternatives: [ValueTest]
}

/// `field|modifiers: values` (or a keyword list when `field` is nil).
struct FieldItem: Sendable {
    var field: String?
    var groups: [ValueGroup]
    /// `all`: every group must match (otherwise any).
    var linkAll: Bool
    /// `neq`: the item is negated (no group matches; an absent field matches).
    var negated: Bool
    var line: Int
    var column: Int
}

/// What a search identifier stands for: maps are AND, lists are OR.
indirect enum SelectionExpression: Sendable {
    case item(FieldItem)
    case and([SelectionExpression])
    case or([SelectionExpression])
}

/// A rule's detection section: named search identifiers and the condition(s) over them.
struct ParsedDetection: Sendable {
    var identifiers: [(name: String, expression: SelectionExpression)]
    /// Several conditions are linked with OR.
    var conditions: [ConditionExpression]

    var identifierNames: [String] { identifiers.map(\.name) }

    func expression(named name: String) -> SelectionExpression? {
        identifiers.first { $0.name == name }?.expression
    }
}
