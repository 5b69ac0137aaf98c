import VigilEvent
import Yams

extension CorrelationLinker {
    /// Turns a resolved draft into a rule: applies aliases per source, checks chained sources and
    /// builds the condition. Nil (with diagnostics) when something does not fit.
    mutating func build(
        _ draft: CorrelationDraft, targets: [CorrelationRule.Target], index: Int, rules: [CorrelationRule]
    ) -> CorrelationRule? {
        let before = diagnostics.count
        // Aliases: alias name -> per source field.
        var aliasFields: [String: [Int: String]] = [:]
        for entry in draft.aliases {
            let slots = draft.references.indices.filter { slot in
                draft.references[slot].text == entry.reference.text || sameTarget(entry.reference.text, targets[slot], rules)
            }
            if slots.isEmpty {
                report(
                    draft, "alias '\(entry.alias)' names rule '\(entry.reference.text)', which this correlation does not reference",
                    entry.reference.node)
            }
            for slot in slots { aliasFields[entry.alias, default: [:]][slot] = entry.field }
        }
        var sources: [CorrelationRule.Source] = []
        for (slot, target) in targets.enumerated() {
            let reference = draft.references[slot]
            let groupFields = draft.groupBy.map { aliasFields[$0]?[slot] ?? $0 }
            let valueField = draft.type.needsField ? draft.field.map { aliasFields[$0]?[slot] ?? $0 } : nil
            if case .correlation(let child) = target {
                let childRule = rules[child]
                for field in groupFields where !childRule.groupBy.contains(field) {
                    report(
                        draft,
                        "group-by field '\(field)' is not a group-by field of correlation '\(reference.text)' "
                            + "(a chained correlation reads only the group-by fields and the metric of the correlations it references)",
                        reference.node)
                }
                if let valueField, !childRule.groupBy.contains(valueField), valueField != "sigma_metric",
                    valueField != childRule.type.rawValue
                {
                    report(
                        draft,
                        "field '\(valueField)' is not a group-by field of correlation '\(reference.text)' "
                            + "(use 'sigma_metric' or '\(childRule.type.rawValue)' for its metric)",
                        draft.conditionNode)
                }
            }
            sources.append(.init(reference: reference.text, target: target, groupFields: groupFields, valueField: valueField))
        }
        if sources.count > 32 { report(draft, "a correlation may reference at most 32 rules", draft.referencesNode) }

        let condition: CorrelationRule.Condition
        if let expression = draft.expression {
            var clauses: [CorrelationRule.Clause] = []
            let expanded = expression.clauses()
            if expanded == nil { report(draft, "the condition expands to more than 32 clauses", draft.conditionNode) }
            for clause in expanded ?? [] {
                let slot = { (name: String) in draft.references.firstIndex { $0.text == name } ?? 0 }
                clauses.append(.init(present: clause.present.map(slot).sorted(), absent: clause.absent.map(slot).sorted()))
            }
            if clauses.isEmpty && expanded != nil {
                report(draft, "the condition can never hold (every clause contradicts itself)", draft.conditionNode)
            }
            if clauses.count > 32 { report(draft, "the condition expands to more than 32 clauses", draft.conditionNode) }
            if draft.type == .temporalOrdered, clauses.contains(where: { !$0.absent.isEmpty && $0.present.count > 15 }) {
                report(draft, "an ordered clause with an absent rule may list at most 15 present rules", draft.conditionNode)
            }
            condition = .expression(draft.expressionText ?? "", clauses)
        } else if let threshold = draft.threshold {
            condition = .threshold(threshold)
        } else {
            // Temporal types without a condition: every referenced rule must match (pySigma's default).
            condition = .threshold(CorrelationThreshold([.init(.gte, Double(sources.count))]))
        }
        guard diagnostics.count == before else { return nil }
        return CorrelationRule(
            index: index, id: draft.id, name: draft.name, title: draft.title, level: draft.level, tags: draft.tags,
            file: draft.document.file, line: draft.document.line, type: draft.type, timespan: draft.timespan,
            groupBy: draft.groupBy, sources: sources, condition: condition, field: draft.field,
            percentile: draft.type == .valueMedian ? 50 : draft.percentile, generate: draft.generate, emitsAlerts: true)
    }

    /// Whether an alias key (an id or name) designates the same rule as a resolved source.
    func sameTarget(_ text: String, _ target: CorrelationRule.Target, _ rules: [CorrelationRule]) -> Bool {
        switch target {
        case .detection(let id): return lookup(text) == id
        case .correlation(let child): return rules[child].id == text || rules[child].name == text
        }
    }
}
