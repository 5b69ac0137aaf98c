/// Finds, for a rule, needles one of which must be found in a field for the rule to match: literals
/// that must occur (folded) in the value, or networks that must contain the address it holds.
///
/// The prefilter scans each event field once for all such literals of all rules (and looks its
/// address up once in the networks of all `cidr` rules), and only rules with a hit (or without any
/// requirement) are evaluated: cost per event follows the text scanned, not the number of rules.
/// Soundness rests on folding being a per-scalar map: if a value matches a test, its folded form
/// contains the test's folded literal; a `re` test's literals come from ``RegexLiterals``.
enum LiteralRequirements {
    /// What the prefilter looks for in a value.
    enum Needle: Hashable {
        /// Folded bytes that occur in the folded value.
        case literal([UInt8])
        /// A network the value's address lies in (the `cidr` test itself).
        case network(IPNetwork)

        /// How well the needle filters, as a literal length (a network counts as a 4-byte literal).
        var strength: Int {
            switch self {
            case .literal(let bytes): bytes.count
            case .network: 4
            }
        }
    }

    struct Requirement: Hashable {
        /// Sigma field id, or ``Program/Predicate/keywords``.
        var field: Int32
        var needle: Needle
    }

    /// Unions larger than this are not worth the bookkeeping; the rule is then always evaluated.
    static let maximumLiterals = 4096

    /// The requirements of a node: a set of which at least one holds whenever the node is true, or
    /// nil when no such set was found.
    static func analyze(_ node: Int32, in program: Program) -> Set<Requirement>? {
        let n = program.nodes[Int(node)]
        switch n.operation {
        case .predicate:
            return analyze(predicate: program.predicates[Int(n.first)], in: program)
        case .and:
            var best: Set<Requirement>? = nil
            for k in 0..<Int(n.count) {
                guard let candidate = analyze(program.children[Int(n.first) + k], in: program) else { continue }
                if best == nil || isBetter(candidate, than: best!) { best = candidate }
            }
            return best
        case .or:
            var union = Set<Requirement>()
            for k in 0..<Int(n.count) {
                guard let part = analyze(program.children[Int(n.first) + k], in: program) else { return nil }
                union.formUnion(part)
                if union.count > maximumLiterals { return nil }
            }
            return union
        case .not, .alwaysFalse:
            return nil
        }
    }

    private static func analyze(predicate: Program.Predicate, in program: Program) -> Set<Requirement>? {
        if predicate.negated { return nil }
        var groups: [Set<Requirement>] = Array(repeating: [], count: Int(predicate.groupCount))
        var groupHasNil = [Bool](repeating: false, count: Int(predicate.groupCount))
        for index in Int(predicate.first)..<Int(predicate.first + predicate.count) {
            let test = program.tests[index]
            if let needles = needles(of: test, in: program) {
                for needle in needles { groups[Int(test.group)].insert(Requirement(field: predicate.field, needle: needle)) }
            } else {
                groupHasNil[Int(test.group)] = true
            }
        }
        if predicate.linkAll {
            var best: Set<Requirement>? = nil
            for (index, group) in groups.enumerated() where !groupHasNil[index] && !group.isEmpty {
                if best == nil || isBetter(group, than: best!) { best = group }
            }
            return best
        }
        if groupHasNil.contains(true) { return nil }
        let union = groups.reduce(into: Set<Requirement>()) { $0.formUnion($1) }
        return union.isEmpty || union.count > maximumLiterals ? nil : union
    }

    /// Needles one of which a value must hold for the test to pass, if there are any.
    private static func needles(of test: Program.Test, in program: Program) -> [Needle]? {
        var bytes: [UInt8]
        switch test.kind {
        case .regex:
            let regex = program.regexes[Int(test.start)]
            guard regex.options.contains(.utf),
                let literals = RegexLiterals.required(pattern: regex.pattern, caseless: regex.options.contains(.caseInsensitive))
            else { return nil }
            return literals.sorted { $0.lexicographicallyPrecedes($1) }.map(Needle.literal)
        case .cidr:
            return [.network(program.networks[Int(test.start)])]
        case .equals, .prefix, .suffix, .contains:
            bytes = Array(program.literals[Int(test.start)..<Int(test.start + test.length)])
        case .glob:
            bytes = []
            for k in Int(test.start)..<Int(test.start + test.length) {
                let token = program.glob[k]
                if token.kind == .literal && Int(token.length) > bytes.count {
                    bytes = Array(program.literals[Int(token.start)..<Int(token.start + token.length)])
                }
            }
        default:
            return nil
        }
        if bytes.isEmpty { return nil }
        return [.literal(test.cased ? CaseFolding.fold(bytes: bytes) : bytes)]
    }

    /// Longer shortest literals filter better; at equal length, fewer literals are cheaper.
    private static func isBetter(_ a: Set<Requirement>, than b: Set<Requirement>) -> Bool {
        let minA = a.map(\.needle.strength).min() ?? 0
        let minB = b.map(\.needle.strength).min() ?? 0
        if min(minA, 4) != min(minB, 4) { return minA > minB }
        return a.count < b.count
    }
}
