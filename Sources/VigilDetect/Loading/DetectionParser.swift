import VigilEvent
import Yams

/// Reads a `detection` (or a filter's `filter`) section into search identifiers and conditions,
/// collecting every problem as a located diagnostic.
struct DetectionParser {
    let document: SigmaDocument
    let placeholders: [String: [String]]
    private(set) var diagnostics: [RuleDiagnostic] = []

    init(document: SigmaDocument, placeholders: [String: [String]]) {
        self.document = document
        self.placeholders = placeholders
    }

    private mutating func report(_ message: String, at node: Node?) {
        diagnostics.append(document.diagnostic(message, at: node))
    }

    /// Parses the section; `reservedKeys` (besides `condition`) are not search identifiers.
    mutating func parse(_ section: Node, sectionName: String, reservedKeys: Set<String>) -> ParsedDetection? {
        guard let entries = YAMLValues.entries(section) else {
            report("'\(sectionName)' must be a mapping of search identifiers and a condition", at: section)
            return nil
        }
        let errorsBefore = diagnostics.count
        var identifiers: [(String, SelectionExpression)] = []
        var conditionNode: Node? = nil
        for (key, keyNode, value) in entries {
            if key == "condition" {
                conditionNode = value
            } else if key == "timeframe" {
                report("'timeframe' is not part of a Sigma 2 detection; use a correlation rule's 'timespan'", at: keyNode)
            } else if !reservedKeys.contains(key) {
                if let expression = parseSelection(value, name: key) { identifiers.append((key, expression)) }
            }
        }
        guard let conditionNode else {
            report("'\(sectionName)' has no 'condition'", at: section)
            return nil
        }
        // Identifiers that failed to parse were reported already; the condition may still name them.
        let declared = entries.map(\.key).filter { $0 != "condition" && !reservedKeys.contains($0) }
        let conditions = parseConditions(conditionNode, declared: declared)
        guard diagnostics.count == errorsBefore, let conditions else { return nil }
        return ParsedDetection(identifiers: identifiers, conditions: conditions)
    }

    // MARK: Search identifiers

    private mutating func parseSelection(_ node: Node, name: String) -> SelectionExpression? {
        if node.mapping != nil { return parseMap(node) }
        if let sequence = node.sequence {
            if sequence.isEmpty {
                report("search identifier '\(name)' is an empty list", at: node)
                return nil
            }
            var alternatives: [SelectionExpression] = []
            var keywords: [Node] = []
            for element in sequence {
                if element.mapping != nil {
                    if let map = parseMap(element) { alternatives.append(map) }
                } else if element.scalar != nil {
                    keywords.append(element)
                } else {
                    report("a list in a search identifier holds keywords or maps, not nested lists", at: element)
                }
            }
            if !keywords.isEmpty, let item = parseItem(field: nil, modifiers: [], values: keywords, at: keywords[0]) {
                alternatives.insert(.item(item), at: 0)
            }
            return alternatives.count == 1 ? alternatives[0] : .or(alternatives)
        }
        if let item = parseItem(field: nil, modifiers: [], values: [node], at: node) { return .item(item) }
        return nil
    }

    private mutating func parseMap(_ node: Node) -> SelectionExpression? {
        guard let entries = YAMLValues.entries(node), !entries.isEmpty else {
            report("a selection map must have field names as keys", at: node)
            return nil
        }
        var items: [SelectionExpression] = []
        for (key, keyNode, value) in entries {
            let pieces = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let field = pieces[0].isEmpty ? nil : pieces[0]
            let values: [Node]
            if let sequence = value.sequence {
                values = Array(sequence)
                if values.isEmpty {
                    report("field '\(key)' has an empty list of values", at: value)
                    continue
                }
            } else {
                values = [value]
            }
            if let item = parseItem(field: field, modifiers: Array(pieces.dropFirst()), values: values, at: keyNode) {
                items.append(.item(item))
            }
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func parseItem(field: String?, modifiers names: [String], values: [Node], at keyNode: Node) -> FieldItem? {
        let chain: ModifierChain
        do {
            chain = try ModifierChain(names: names)
        } catch {
            report(error.message, at: keyNode)
            return nil
        }
        if chain.linkAll && values.count < 2 {
            report("modifier 'all' needs a list of at least two values (spec: a single value must not use 'all')", at: keyNode)
            return nil
        }
        var groups: [ValueGroup] = []
        var failed = false
        for valueNode in values {
            guard let scalar = YAMLValues.scalar(valueNode) else {
                report(
                    "a value must be a string, number, boolean or null, not a \(valueNode.mapping != nil ? "map" : "list")", at: valueNode)
                failed = true
                continue
            }
            if scalar == .null && values.count > 1 {
                report("null cannot be part of a list of values; put it in a selection of its own", at: valueNode)
                failed = true
                continue
            }
            do {
                groups.append(try chain.apply(to: scalar, isKeyword: field == nil, placeholders: placeholders))
            } catch {
                report(error.message, at: valueNode)
                failed = true
            }
        }
        if failed { return nil }
        let mark = keyNode.mark
        return FieldItem(
            field: field, groups: groups, linkAll: chain.linkAll, negated: chain.negated,
            line: mark?.line ?? document.line, column: mark?.column ?? 0)
    }

    // MARK: Conditions

    private mutating func parseConditions(_ node: Node, declared: [String]) -> [ConditionExpression]? {
        let texts: [(String, Node)]
        if let sequence = node.sequence, !sequence.isEmpty {
            texts = sequence.compactMap { item in YAMLValues.string(item).map { ($0, item) } }
            if texts.count != sequence.count {
                report("every condition in the list must be a string", at: node)
                return nil
            }
        } else if let text = YAMLValues.string(node) {
            texts = [(text, node)]
        } else {
            report("'condition' must be a string or a list of strings", at: node)
            return nil
        }
        var result: [ConditionExpression] = []
        for (text, conditionNode) in texts {
            do {
                let expression = try ConditionParser.parse(text)
                if validate(expression, declared: declared, at: conditionNode) { result.append(expression) }
            } catch {
                var diagnostic = document.diagnostic("condition: \(error.message)", at: conditionNode)
                if let scalar = conditionNode.scalar, !text.contains("\n") {
                    diagnostic.column += error.offset + (scalar.style == .plain ? 0 : 1)
                }
                diagnostics.append(diagnostic)
            }
        }
        return result.count == texts.count ? result : nil
    }

    private mutating func validate(_ expression: ConditionExpression, declared: [String], at node: Node) -> Bool {
        switch expression {
        case .identifier(let name):
            if !declared.contains(name) {
                report("condition: unknown search identifier '\(name)'", at: node)
                return false
            }
            return true
        case .selector(let quantifier, let pattern):
            if ConditionExpression.identifiers(matching: pattern, in: declared).isEmpty {
                let q = quantifier == .all ? "all" : "1"
                report("condition: '\(q) of \(pattern)' matches no search identifier", at: node)
                return false
            }
            return true
        case .not(let inner):
            return validate(inner, declared: declared, at: node)
        case .and(let operands), .or(let operands):
            var ok = true
            for operand in operands where !validate(operand, declared: declared, at: node) { ok = false }
            return ok
        }
    }
}
