import VigilDetect
import VigilEvent
import Yams

/// Resolves rule references of correlation drafts, orders chained correlations and checks what
/// needs the whole set (duplicates, cycles, fields of chained correlations).
struct CorrelationLinker {
    let lookup: (String) -> RuleID?
    var diagnostics: [RuleDiagnostic] = []

    /// A draft's reference, resolved: a detection rule or another draft.
    enum Resolved {
        case detection(RuleID)
        case draft(Int)
    }

    init(lookup: @escaping (String) -> RuleID?) {
        self.lookup = lookup
    }

    mutating func link(_ documents: [SigmaDocument]) -> [CorrelationRule] {
        var drafts: [CorrelationDraft?] = documents.map { CorrelationDraft.parse($0, diagnostics: &diagnostics) }
        // Names and ids of every correlation document, valid or not, so a reference to a broken rule
        // says so instead of "unknown".
        var byKey: [String: Int] = [:]
        for (index, document) in documents.enumerated() {
            for key in ["id", "name"] {
                guard let node = document.node.mapping?[key], let text = node.scalar?.string, !text.isEmpty else { continue }
                if let other = byKey[text] {
                    let first = documents[other]
                    report(
                        drafts[index]?.document ?? document,
                        "duplicate rule \(key) '\(text)' (first defined at \(first.file):\(first.line))", node)
                    drafts[index] = nil
                } else {
                    byKey[text] = index
                }
            }
        }
        var resolved: [[Resolved]?] = Array(repeating: nil, count: drafts.count)
        for index in drafts.indices {
            guard var draft = drafts[index] else { continue }
            resolved[index] = resolve(&draft, byKey: byKey)
            drafts[index] = resolved[index] == nil ? nil : draft
        }
        let order = topologicalOrder(drafts: &drafts, resolved: resolved)
        var ruleIndex: [Int: Int] = [:]
        var rules: [CorrelationRule] = []
        for draftIndex in order {
            guard let draft = drafts[draftIndex], let refs = resolved[draftIndex] else { continue }
            var targets: [CorrelationRule.Target] = []
            var broken = false
            for (slot, ref) in refs.enumerated() {
                switch ref {
                case .detection(let id): targets.append(.detection(id))
                case .draft(let child):
                    if let childIndex = ruleIndex[child] {
                        targets.append(.correlation(childIndex))
                    } else {
                        report(draft, "rule '\(draft.references[slot].text)' is a correlation with errors", draft.references[slot].node)
                        broken = true
                    }
                }
            }
            guard !broken, let rule = build(draft, targets: targets, index: rules.count, rules: rules) else { continue }
            ruleIndex[draftIndex] = rules.count
            rules.append(rule)
        }
        // A rule read by a correlation without `generate: true` only feeds it.
        for rule in rules where !rule.generate {
            for source in rule.sources {
                if case .correlation(let child) = source.target { rules[child].emitsAlerts = false }
            }
        }
        return rules
    }

    mutating func report(_ draft: CorrelationDraft, _ message: String, _ node: Node?) {
        report(draft.document, message, node)
    }

    mutating func report(_ document: SigmaDocument, _ message: String, _ node: Node?) {
        diagnostics.append(document.diagnostic(message, at: node))
    }

    /// Resolves `rules` (or, without it, the names of an expression condition) to detection rules or
    /// other drafts.
    mutating func resolve(_ draft: inout CorrelationDraft, byKey: [String: Int]) -> [Resolved]? {
        if let expression = draft.expression {
            let names = expression.referencedNames
            if draft.referencesNode == nil {
                draft.references = names.map { .init(text: $0, node: draft.conditionNode ?? draft.correlationNode) }
            } else {
                let listed = Set(draft.references.map(\.text))
                let unused = listed.subtracting(names).sorted()
                let undefined = names.filter { !listed.contains($0) }
                if !unused.isEmpty {
                    report(draft, "rules not used in the condition: \(unused.joined(separator: ", "))", draft.conditionNode)
                    return nil
                }
                if !undefined.isEmpty {
                    report(draft, "condition names rules not in 'rules': \(undefined.joined(separator: ", "))", draft.conditionNode)
                    return nil
                }
            }
        }
        var result: [Resolved] = []
        for reference in draft.references {
            if let index = byKey[reference.text] {
                result.append(.draft(index))
            } else if let id = lookup(reference.text) {
                result.append(.detection(id))
            } else {
                report(draft, "unknown rule reference '\(reference.text)'", reference.node)
                return nil
            }
        }
        return result
    }

    /// How many correlations may be chained on top of each other (a correlation of a correlation of
    /// ...). Real chains are two or three deep; the walk below recurses once per level.
    static let maxChainDepth = 32

    /// Drafts ordered so that referenced correlations come first; drafts in a cycle, or chained deeper
    /// than ``maxChainDepth``, are reported and dropped.
    mutating func topologicalOrder(drafts: inout [CorrelationDraft?], resolved: [[Resolved]?]) -> [Int] {
        var state = Array(repeating: 0, count: drafts.count)  // 0 new, 1 visiting, 2 done
        var order: [Int] = []
        var cyclic: Set<Int> = []
        var tooDeep: Set<Int> = []
        var path: [Int] = []
        // Levels of correlations below each draft, itself included.
        var depth = Array(repeating: 0, count: drafts.count)
        func visit(_ index: Int) {
            if state[index] == 2 { return }
            if state[index] == 1 {
                if let start = path.firstIndex(of: index) { cyclic.formUnion(path[start...]) }
                return
            }
            guard path.count < Self.maxChainDepth else {
                tooDeep.insert(path[0])
                return
            }
            state[index] = 1
            path.append(index)
            var below = 0
            for ref in resolved[index] ?? [] {
                guard case .draft(let child) = ref else { continue }
                visit(child)
                below = max(below, depth[child])
            }
            path.removeLast()
            depth[index] = below + 1
            if depth[index] > Self.maxChainDepth { tooDeep.insert(index) }
            state[index] = 2
            order.append(index)
        }
        for index in drafts.indices { visit(index) }
        for index in cyclic.sorted() {
            if let draft = drafts[index] {
                report(draft, "correlation references itself through a cycle of correlations", draft.referencesNode)
            }
            drafts[index] = nil
        }
        for index in tooDeep.sorted() where !cyclic.contains(index) {
            if let draft = drafts[index] {
                report(draft, "correlations are chained more than \(Self.maxChainDepth) deep here", draft.referencesNode)
            }
            drafts[index] = nil
        }
        return order
    }
}
