/// Parses condition strings with the spec's precedence: `or` < `and` < `not` < `x of` < parentheses.
///
/// Recursive descent, so nesting (parentheses, `not`) is limited to ``ConditionLimits/maxNesting``
/// levels: a rule file is input too, and 30,000 parentheses overflowed the stack.
struct ConditionParser {
    static var maxNesting: Int { ConditionLimits.maxNesting }

    /// A syntax error at a 0-based character offset in the condition.
    struct Failure: Error, Equatable {
        var message: String
        var offset: Int
    }

    private enum Token: Equatable {
        case word(String)
        case open
        case close
        case pipe
        case end
    }

    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0
    private var depth = 0

    /// Parses one condition string.
    static func parse(_ text: String) throws(Failure) -> ConditionExpression {
        var parser = ConditionParser()
        parser.tokens = tokenize(text)
        if parser.tokens.count == 1 { throw Failure(message: "condition is empty", offset: 0) }
        let expression = try parser.parseOr()
        let (token, offset) = parser.tokens[parser.position]
        switch token {
        case .end: return expression
        case .pipe:
            throw Failure(
                message: "aggregation expressions ('| count() ...') were removed in Sigma 2; use a correlation rule", offset: offset)
        case .close: throw Failure(message: "unbalanced ')'", offset: offset)
        case .word(let w): throw Failure(message: "unexpected '\(w)'; expected 'and', 'or' or the end", offset: offset)
        case .open: throw Failure(message: "unexpected '('; expected 'and', 'or' or the end", offset: offset)
        }
    }

    private static func tokenize(_ text: String) -> [(token: Token, offset: Int)] {
        var result: [(Token, Int)] = []
        var word = ""
        var wordStart = 0
        func flush() {
            if !word.isEmpty { result.append((.word(word), wordStart)) }
            word = ""
        }
        for (offset, character) in text.enumerated() {
            switch character {
            case "(":
                flush()
                result.append((.open, offset))
            case ")":
                flush()
                result.append((.close, offset))
            case "|":
                flush()
                result.append((.pipe, offset))
            case " ", "\t", "\n", "\r":
                flush()
            default:
                if word.isEmpty { wordStart = offset }
                word.append(character)
            }
        }
        flush()
        result.append((.end, text.count))
        return result
    }

    private var current: (token: Token, offset: Int) { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func isKeyword(_ keyword: String) -> Bool { current.token == .word(keyword) }

    private mutating func parseOr() throws(Failure) -> ConditionExpression {
        var operands = [try parseAnd()]
        while isKeyword("or") {
            advance()
            operands.append(try parseAnd())
        }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func parseAnd() throws(Failure) -> ConditionExpression {
        var operands = [try parseNot()]
        while isKeyword("and") {
            advance()
            operands.append(try parseNot())
        }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func parseNot() throws(Failure) -> ConditionExpression {
        if isKeyword("not") {
            let offset = current.offset
            advance()
            try enter(at: offset)
            defer { depth -= 1 }
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    /// One level deeper; an error past ``maxNesting``.
    private mutating func enter(at offset: Int) throws(Failure) {
        depth += 1
        guard depth <= Self.maxNesting else {
            throw Failure(message: "condition nests parentheses and 'not' more than \(Self.maxNesting) levels deep", offset: offset)
        }
    }

    private mutating func parsePrimary() throws(Failure) -> ConditionExpression {
        let (token, offset) = current
        switch token {
        case .open:
            advance()
            try enter(at: offset)
            defer { depth -= 1 }
            let inner = try parseOr()
            guard current.token == .close else { throw Failure(message: "missing ')' for '(' here", offset: offset) }
            advance()
            return inner
        case .close: throw Failure(message: "unexpected ')'; expected a search identifier", offset: offset)
        case .pipe: throw Failure(message: "unexpected '|'; expected a search identifier", offset: offset)
        case .end: throw Failure(message: "condition ends early; expected a search identifier", offset: offset)
        case .word(let word):
            if ["and", "or", "of", "them"].contains(word) {
                throw Failure(message: "unexpected '\(word)'; expected a search identifier", offset: offset)
            }
            advance()
            if isKeyword("of") {
                let quantifier: ConditionExpression.Quantifier
                switch word {
                case "1": quantifier = .any
                case "all": quantifier = .all
                default:
                    throw Failure(message: "'\(word) of' is not defined by Sigma; use '1 of' or 'all of'", offset: offset)
                }
                advance()
                guard case .word(let pattern) = current.token, !["and", "or", "not", "of"].contains(pattern) else {
                    throw Failure(message: "'\(word) of' needs a search identifier pattern or 'them'", offset: current.offset)
                }
                advance()
                return .selector(quantifier, pattern: pattern)
            }
            return .identifier(word)
        }
    }
}

/// Bounds on rule conditions that keep every recursive walk over them far from the stack's end.
public enum ConditionLimits {
    /// How deep parentheses and `not` may nest in a Sigma condition or a correlation expression. Real
    /// rules use a handful of levels.
    public static let maxNesting = 64
}
