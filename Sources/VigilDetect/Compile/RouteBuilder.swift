import VigilEvent

/// A rule after compilation: its program root and what it reads.
struct CompiledRule: Sendable {
    var metadata: SigmaRuleMetadata
    var root: Int32
    /// Sigma field ids the condition reads (predicates and field references).
    var fields: Set<Int32>
    var usesKeywords: Bool
    /// Sigma field ids whose values detections carry for correlations (see ``SigmaRuleSet/carrying(_:)``).
    var carried: [Int32]
    var carriedNames: [Symbol]
    var requirements: Set<LiteralRequirements.Requirement>?
}

/// Builds a ``Route`` for a set of rules and a field map.
enum RouteBuilder {
    static func build(
        name: String, logsources: [SigmaLogsource], fieldMap: FieldMap, ruleIndices: [Int32], rules: [CompiledRule], program: Program
    ) -> Route {
        var slots: [SlotTarget] = []
        var slotOfTarget: [SlotTarget: Int32] = [:]
        var perField = [[Int32]](repeating: [], count: program.fieldNames.count)
        var usesKeywords = false
        var used = Set<Int32>()
        for index in ruleIndices {
            let rule = rules[Int(index)]
            used.formUnion(rule.fields)
            used.formUnion(rule.carried)
            usesKeywords = usesKeywords || rule.usesKeywords
        }
        for field in used.sorted() {
            for target in fieldMap.targets(for: program.fieldNames[Int(field)]) {
                let slotTarget: SlotTarget
                switch target {
                case .field(let name): slotTarget = .field(Symbol(name))
                case .fieldPattern(let pattern): slotTarget = .fieldPattern(pattern)
                case .property(let property): slotTarget = .property(property)
                }
                if slotOfTarget[slotTarget] == nil {
                    slotOfTarget[slotTarget] = Int32(slots.count)
                    slots.append(slotTarget)
                }
                let slot = slotOfTarget[slotTarget]!
                if !perField[Int(field)].contains(slot) { perField[Int(field)].append(slot) }
            }
        }
        var fieldSlotStart: [Int32] = [0]
        var fieldSlots: [Int32] = []
        for list in perField {
            fieldSlots.append(contentsOf: list)
            fieldSlotStart.append(Int32(fieldSlots.count))
        }
        var symbolSlots: [Int32] = []
        var propertySlots: [(Int32, EventProperty)] = []
        var patternSlots: [(Int32, [Substring])] = []
        for (slot, target) in slots.enumerated() {
            switch target {
            case .field(let symbol):
                let raw = Int(symbol.rawValue)
                if symbolSlots.count <= raw { symbolSlots.append(contentsOf: [Int32](repeating: -1, count: raw + 1 - symbolSlots.count)) }
                symbolSlots[raw] = Int32(slot)
            case .property(let property):
                propertySlots.append((Int32(slot), property))
            case .fieldPattern(let pattern):
                patternSlots.append((Int32(slot), pattern.split(separator: ".", omittingEmptySubsequences: false)))
            }
        }
        let fieldSlotsOf = { (field: Int32) -> [Int32] in
            Array(fieldSlots[Int(fieldSlotStart[Int(field)])..<Int(fieldSlotStart[Int(field) + 1])])
        }
        let (scanners, alwaysRules) = buildScanners(ruleIndices: ruleIndices, rules: rules, slotsOf: fieldSlotsOf)
        return Route(
            name: name, logsources: logsources, fieldMap: fieldMap.name, rules: ruleIndices, alwaysRules: alwaysRules, slots: slots,
            fieldSlotStart: fieldSlotStart, fieldSlots: fieldSlots, symbolSlots: symbolSlots, patternSlots: patternSlots,
            propertySlots: propertySlots, scanners: scanners, usesKeywords: usesKeywords)
    }

    private static func buildScanners(ruleIndices: [Int32], rules: [CompiledRule], slotsOf: (Int32) -> [Int32]) -> (
        [Route.Scanner], [Int32]
    ) {
        /// One scope's needles, numbered in order of first use, and the rules each enables.
        struct Needles {
            var index: [LiteralRequirements.Needle: Int] = [:]
            var list: [LiteralRequirements.Needle] = []
            var rules: [[Int32]] = []
        }
        var alwaysRules: [Int32] = []
        var scopeOrder: [Int32] = []
        var byScope: [Int32: Needles] = [:]
        for index in ruleIndices {
            guard let requirements = rules[Int(index)].requirements else {
                alwaysRules.append(index)
                continue
            }
            for requirement in requirements {
                let scopes: [Int32] =
                    requirement.field == Program.Predicate.keywords
                    ? [Program.Predicate.keywords] : slotsOf(requirement.field)
                for scope in scopes {
                    if byScope[scope] == nil {
                        scopeOrder.append(scope)
                        byScope[scope] = Needles()
                    }
                    let position: Int
                    if let known = byScope[scope]!.index[requirement.needle] {
                        position = known
                    } else {
                        position = byScope[scope]!.list.count
                        byScope[scope]!.index[requirement.needle] = position
                        byScope[scope]!.list.append(requirement.needle)
                        byScope[scope]!.rules.append([])
                    }
                    if byScope[scope]!.rules[position].last != index { byScope[scope]!.rules[position].append(index) }
                }
            }
        }
        var scanners: [Route.Scanner] = []
        for scope in scopeOrder {
            let needles = byScope[scope]!
            // Literals first (needle i is literal i), then networks.
            var literals: [[UInt8]] = []
            var networks: [IPNetwork] = []
            var literalRules: [[Int32]] = []
            var networkRules: [[Int32]] = []
            for (needle, enabled) in zip(needles.list, needles.rules) {
                switch needle {
                case .literal(let bytes):
                    literals.append(bytes)
                    literalRules.append(enabled)
                case .network(let network):
                    networks.append(network)
                    networkRules.append(enabled)
                }
            }
            var starts: [Int32] = [0]
            var flat: [Int32] = []
            for list in literalRules + networkRules {
                flat.append(contentsOf: list)
                starts.append(Int32(flat.count))
            }
            scanners.append(
                Route.Scanner(
                    scope: scope, literals: literals.isEmpty ? nil : LiteralSet(literals),
                    networks: networks.isEmpty ? nil : NetworkIndex(networks, offset: Int32(literals.count)), needleRuleStart: starts,
                    needleRules: flat))
        }
        return (scanners, alwaysRules)
    }

    /// The Sigma fields a node reads, and whether it searches keywords.
    static func fields(of root: Int32, in program: Program) -> (fields: Set<Int32>, usesKeywords: Bool) {
        var fields = Set<Int32>()
        var keywords = false
        var stack = [root]
        var seen = Set<Int32>()
        while let node = stack.popLast() {
            guard seen.insert(node).inserted else { continue }
            let n = program.nodes[Int(node)]
            switch n.operation {
            case .and, .or:
                for k in 0..<Int(n.count) { stack.append(program.children[Int(n.first) + k]) }
            case .not:
                stack.append(n.first)
            case .predicate:
                let predicate = program.predicates[Int(n.first)]
                if predicate.field == Program.Predicate.keywords { keywords = true } else { fields.insert(predicate.field) }
                for t in Int(predicate.first)..<Int(predicate.first + predicate.count) where program.tests[t].kind == .fieldReference {
                    fields.insert(program.tests[t].start)
                }
            case .alwaysFalse:
                break
            }
        }
        return (fields, keywords)
    }
}
