import VigilDetect

/// An extended temporal condition (Sigma SEP #198): a boolean expression over referenced rule names,
/// such as `failed and not accepted`.
///
/// Precedence is `not` over `and` over `or`, as in detection conditions; parentheses group.
indirect enum TemporalExpression: Hashable, Sendable {
    case rule(String)
    case not(TemporalExpression)
    case and([TemporalExpression])
    case or([TemporalExpression])

    /// Rule names in order of first appearance.
    var referencedNames: [String] {
        var seen: [String] = []
        func visit(_ e: TemporalExpression) {
            switch e {
            case .rule(let name): if !seen.contains(name) { seen.append(name) }
            case .not(let inner): visit(inner)
            case .and(let items), .or(let items): items.forEach(visit)
            }
        }
        visit(self)
        return seen
    }

    /// The expression in disjunctive normal form: a list of clauses, each a set of names that must be
    /// present and a set that must be absent. Contradictory clauses (`a and not a`) are dropped.
    ///
    /// Nil when the expansion grows past `limit` clauses on the way: the form is exponential in the
    /// expression (twenty `(a or b) and` took 50 s and 1 GB), and a rule file must not be able to make
    /// loading hang.
    func clauses(limit: Int = 4096) -> [(present: Set<String>, absent: Set<String>)]? {
        struct TooLarge: Error {}
        func dnf(_ e: TemporalExpression, negated: Bool) throws(TooLarge) -> [(Set<String>, Set<String>)] {
            switch e {
            case .rule(let name):
                return negated ? [([], [name])] : [([name], [])]
            case .not(let inner):
                return try dnf(inner, negated: !negated)
            case .and(let items), .or(let items):
                let isConjunction: Bool
                if case .and = e { isConjunction = !negated } else { isConjunction = negated }
                var children: [[(Set<String>, Set<String>)]] = []
                for item in items { children.append(try dnf(item, negated: negated)) }
                if !isConjunction {
                    let all = children.flatMap { $0 }
                    if all.count > limit { throw TooLarge() }
                    return all
                }
                var result: [(Set<String>, Set<String>)] = [([], [])]
                for child in children {
                    var next: [(Set<String>, Set<String>)] = []
                    for (p, n) in result {
                        for (cp, cn) in child {
                            let present = p.union(cp), absent = n.union(cn)
                            if present.isDisjoint(with: absent) { next.append((present, absent)) }
                            if next.count > limit { throw TooLarge() }
                        }
                    }
                    result = next
                }
                return result
            }
        }
        do {
            return try dnf(self, negated: false).map { (present: $0.0, absent: $0.1) }
        } catch {
            return nil
        }
    }

    /// Parses an expression; the error names the 1-based character offset of the problem.
    static func parse(_ text: String) -> Result<TemporalExpression, ParseError> {
        var parser = Parser(tokens: [], position: 0)
        switch tokenize(text) {
        case .failure(let error): return .failure(error)
        case .success(let tokens): parser.tokens = tokens
        }
        do {
            let expression = try parser.parseOr()
            if parser.position < parser.tokens.count {
                let token = parser.tokens[parser.position]
                throw ParseError(message: "unexpected '\(token.text)'", offset: token.offset)
            }
            return .success(expression)
        } catch let error as ParseError {
            return .failure(error)
        } catch {
            return .failure(ParseError(message: "\(error)", offset: 0))
        }
    }

    struct ParseError: Error, Equatable {
        var message: String
        /// 0-based character offset in the expression.
        var offset: Int
    }

    struct Token: Equatable {
        var text: String
        var offset: Int
    }

    static func tokenize(_ text: String) -> Result<[Token], ParseError> {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
            } else if c == "(" || c == ")" {
                tokens.append(Token(text: String(c), offset: i))
                i += 1
            } else if c == "_" || (c.isASCII && c.isLetter) {
                let start = i
                while i < chars.count, chars[i] == "_" || (chars[i].isASCII && (chars[i].isLetter || chars[i].isNumber)) { i += 1 }
                tokens.append(Token(text: String(chars[start..<i]), offset: start))
            } else {
                return .failure(ParseError(message: "unexpected character '\(c)'", offset: i))
            }
        }
        return .success(tokens)
    }

    /// Recursive descent: nesting (parentheses, `not`) stops at ``ConditionLimits/maxNesting`` levels,
    /// as in detection conditions (30,000 parentheses overflowed the stack).
    struct Parser {
        var tokens: [Token]
        var position: Int
        var depth = 0

        mutating func enter(at offset: Int) throws {
            depth += 1
            guard depth <= ConditionLimits.maxNesting else {
                throw ParseError(
                    message: "expression nests parentheses and 'not' more than \(ConditionLimits.maxNesting) levels deep", offset: offset)
            }
        }

        var endOffset: Int { tokens.last.map { $0.offset + $0.text.count } ?? 0 }

        mutating func parseOr() throws -> TemporalExpression {
            var items = [try parseAnd()]
            while accept("or") { items.append(try parseAnd()) }
            return items.count == 1 ? items[0] : .or(items)
        }

        mutating func parseAnd() throws -> TemporalExpression {
            var items = [try parseNot()]
            while accept("and") { items.append(try parseNot()) }
            return items.count == 1 ? items[0] : .and(items)
        }

        mutating func parseNot() throws -> TemporalExpression {
            if position < tokens.count, tokens[position].text == "not" {
                try enter(at: tokens[position].offset)
                defer { depth -= 1 }
                position += 1
                return .not(try parseNot())
            }
            return try parseAtom()
        }

        mutating func parseAtom() throws -> TemporalExpression {
            guard position < tokens.count else { throw ParseError(message: "expression ends too early", offset: endOffset) }
            let token = tokens[position]
            position += 1
            if token.text == "(" {
                try enter(at: token.offset)
                defer { depth -= 1 }
                let inner = try parseOr()
                guard accept(")") else { throw ParseError(message: "missing ')'", offset: endOffset) }
                return inner
            }
            if token.text == ")" || ["and", "or", "not"].contains(token.text) {
                throw ParseError(message: "unexpected '\(token.text)'", offset: token.offset)
            }
            return .rule(token.text)
        }

        mutating func accept(_ text: String) -> Bool {
            if position < tokens.count, tokens[position].text == text {
                position += 1
                return true
            }
            return false
        }
    }
}
