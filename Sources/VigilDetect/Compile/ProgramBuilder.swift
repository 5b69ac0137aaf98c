import VigilEvent
import VigilRegex

/// Compiles parsed detections into the shared ``Program``.
struct ProgramBuilder {
    var program = Program()
    private var regexIndex: [String: Int32] = [:]

    /// Compiles a detection's conditions (several are OR) into one node.
    /// - Returns: the root node, or the located problems (invalid regular expressions).
    mutating func compile(_ detection: ParsedDetection, file: String) -> (root: Int32?, diagnostics: [RuleDiagnostic]) {
        var diagnostics: [RuleDiagnostic] = []
        var identifierNodes: [String: Int32] = [:]
        for (name, expression) in detection.identifiers {
            if let node = compile(expression, file: file, diagnostics: &diagnostics) { identifierNodes[name] = node }
        }
        guard diagnostics.isEmpty else { return (nil, diagnostics) }
        let names = detection.identifierNames
        let roots = detection.conditions.map { compile($0, identifiers: identifierNodes, names: names) }
        return (program.addJunction(.or, roots), [])
    }

    private mutating func compile(_ condition: ConditionExpression, identifiers: [String: Int32], names: [String]) -> Int32 {
        switch condition {
        case .identifier(let name):
            return identifiers[name]!
        case .selector(let quantifier, let pattern):
            let operands = ConditionExpression.identifiers(matching: pattern, in: names).map { identifiers[$0]! }
            return program.addJunction(quantifier == .all ? .and : .or, operands)
        case .not(let inner):
            let operand = compile(inner, identifiers: identifiers, names: names)
            return program.addNode(.not, first: operand)
        case .and(let operands):
            return program.addJunction(.and, operands.map { compile($0, identifiers: identifiers, names: names) })
        case .or(let operands):
            return program.addJunction(.or, operands.map { compile($0, identifiers: identifiers, names: names) })
        }
    }

    private mutating func compile(_ selection: SelectionExpression, file: String, diagnostics: inout [RuleDiagnostic]) -> Int32? {
        switch selection {
        case .item(let item):
            return compile(item, file: file, diagnostics: &diagnostics)
        case .and(let operands), .or(let operands):
            let nodes = operands.compactMap { compile($0, file: file, diagnostics: &diagnostics) }
            guard nodes.count == operands.count else { return nil }
            if case .and = selection { return program.addJunction(.and, nodes) }
            return program.addJunction(.or, nodes)
        }
    }

    private mutating func compile(_ item: FieldItem, file: String, diagnostics: inout [RuleDiagnostic]) -> Int32? {
        let first = Int32(program.tests.count)
        var needsFolded = false
        for (index, group) in item.groups.enumerated() {
            for alternative in group.alternatives {
                do {
                    var test = try compile(alternative)
                    test.group = UInt32(index)
                    program.tests.append(test)
                    if test.kind.isStringTest && !test.cased { needsFolded = true }
                } catch {
                    diagnostics.append(
                        RuleDiagnostic(file: file, line: item.line, column: item.column, message: "invalid regular expression: \(error)"))
                    return nil
                }
            }
        }
        let predicate = Program.Predicate(
            field: item.field.map { program.fieldID($0) } ?? Program.Predicate.keywords, first: first,
            count: Int32(program.tests.count) - first, groupCount: Int32(item.groups.count), linkAll: item.linkAll,
            negated: item.negated, needsFolded: needsFolded)
        program.predicates.append(predicate)
        return program.addNode(.predicate, first: Int32(program.predicates.count - 1))
    }

    private mutating func compile(_ value: ValueTest) throws(RegexCompileError) -> Program.Test {
        var test = Program.Test(kind: .equals, cased: false, group: 0, variant: 0, start: 0, length: 0, number: 0)
        switch value {
        case .pattern(let pattern, let cased):
            test.cased = cased
            compilePattern(pattern, into: &test)
        case .regex(let source, let options):
            let key = "\(options.rawValue):\(source)"
            if let index = regexIndex[key] {
                test.start = index
            } else {
                program.regexes.append(try Regex(source, options: options))
                test.start = Int32(program.regexes.count - 1)
                regexIndex[key] = test.start
            }
            test.kind = .regex
        case .cidr(let network):
            program.networks.append(network)
            test.kind = .cidr
            test.start = Int32(program.networks.count - 1)
        case .compare(let comparison, let number):
            test.kind = .compare
            test.variant = UInt8(ValueTest.Comparison.allCases.firstIndex(of: comparison)!)
            test.number = number
        case .exists(let flag):
            test.kind = .exists
            test.variant = flag ? 1 : 0
        case .null:
            test.kind = .null
        case .fieldReference(let name, let mode):
            test.kind = .fieldReference
            test.start = program.fieldID(name)
            test.variant = UInt8(ValueTest.ReferenceMode.allCases.firstIndex(of: mode)!)
        case .datePart(let part, let number):
            test.kind = .datePart
            test.variant = UInt8(ValueTest.DatePart.allCases.firstIndex(of: part)!)
            test.number = Double(number)
        }
        return test
    }

    /// Picks the cheapest matcher for a wildcard pattern: equality, prefix, suffix and substring
    /// searches for the common shapes, a glob only for the rest.
    private mutating func compilePattern(_ pattern: SigmaPattern, into test: inout Program.Test) {
        let fold: ([UInt8]) -> [UInt8] = test.cased ? { $0 } : { CaseFolding.fold(bytes: $0) }
        let parts = pattern.parts
        func setLiteral(_ kind: Program.TestKind, _ bytes: [UInt8]) {
            test.kind = kind
            (test.start, test.length) = program.addLiteral(fold(bytes))
        }
        switch parts.count {
        case 0: return setLiteral(.equals, [])
        case 1:
            if case .literal(let bytes) = parts[0] { return setLiteral(.equals, bytes) }
            if parts[0] == .anyRun {
                test.kind = .anyValue
                return
            }
        case 2:
            if parts[0] == .anyRun, case .literal(let bytes) = parts[1] { return setLiteral(.suffix, bytes) }
            if parts[1] == .anyRun, case .literal(let bytes) = parts[0] { return setLiteral(.prefix, bytes) }
        case 3:
            if parts[0] == .anyRun, parts[2] == .anyRun, case .literal(let bytes) = parts[1] { return setLiteral(.contains, bytes) }
        default: break
        }
        test.kind = .glob
        test.start = Int32(program.glob.count)
        for part in parts {
            switch part {
            case .literal(let bytes):
                let (start, length) = program.addLiteral(fold(bytes))
                program.glob.append(.init(kind: .literal, start: start, length: length))
            case .anyRun:
                if !(program.glob.count > Int(test.start) && program.glob.last?.kind == .anyRun) {
                    program.glob.append(.init(kind: .anyRun, start: 0, length: 0))
                }
            case .anyCharacter: program.glob.append(.init(kind: .anyCharacter, start: 0, length: 0))
            case .dash: program.glob.append(.init(kind: .dash, start: 0, length: 0))
            case .placeholder: program.glob.append(.init(kind: .anyRun, start: 0, length: 0))  // expanded before; unreachable
            }
        }
        test.length = Int32(program.glob.count) - test.start
    }
}

extension Program.TestKind {
    /// Tests that compare text (and so may read the folded value).
    var isStringTest: Bool {
        switch self {
        case .equals, .prefix, .suffix, .contains, .glob, .fieldReference: true
        default: false
        }
    }
}
