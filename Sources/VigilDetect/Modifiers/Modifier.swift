/// The value modifiers of Sigma 2.1 (appendix "Sigma Modifiers"), by their names in rules.
enum Modifier: String, Sendable, CaseIterable {
    case contains, startswith, endswith, all, exists, cased, neq
    case windash, re, i, m, s
    case base64, base64offset, utf16le, utf16be, utf16, wide
    case lt, lte, gt, gte
    case minute, hour, day, week, month, year
    case cidr, expand, fieldref

    /// Long spellings of the regular expression flags that pySigma also accepts.
    static let aliases: [String: Modifier] = ["ignorecase": .i, "multiline": .m, "dotall": .s]

    init?(name: String) {
        if let modifier = Modifier(rawValue: name) ?? Modifier.aliases[name] {
            self = modifier
        } else {
            return nil
        }
    }

    /// Modifiers that change how values are linked rather than the values themselves.
    var isListModifier: Bool { self == .all || self == .neq }

    var comparison: ValueTest.Comparison? {
        switch self {
        case .lt: .lessThan
        case .lte: .lessOrEqual
        case .gt: .greaterThan
        case .gte: .greaterOrEqual
        default: nil
        }
    }

    var datePart: ValueTest.DatePart? {
        switch self {
        case .minute: .minute
        case .hour: .hour
        case .day: .day
        case .week: .week
        case .month: .month
        case .year: .year
        default: nil
        }
    }
}

/// A scalar from a rule's YAML, typed the way YAML 1.1 (and so pySigma) reads it.
enum RuleScalar: Equatable, Sendable {
    case string(String)
    /// The text as the rule wrote it (for string comparison) and its value.
    case number(String, Double)
    case boolean(Bool)
    case null

    /// How the scalar reads as text in a string comparison.
    var text: String? {
        switch self {
        case .string(let s): s
        case .number(let text, _): text
        case .boolean(let b): b ? "true" : "false"
        case .null: nil
        }
    }
}
