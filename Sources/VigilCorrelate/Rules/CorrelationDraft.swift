import VigilDetect
import VigilEvent
import Yams

/// A correlation document read from YAML, before its references are resolved.
struct CorrelationDraft {
    struct Reference {
        var text: String
        var node: Node
    }

    struct AliasEntry {
        var alias: String
        var reference: Reference
        var field: String
    }

    var document: SigmaDocument
    var id: String?
    var name: String?
    var title: String
    var level: String
    var tags: [String]
    var type: CorrelationType
    var references: [Reference]
    var referencesNode: Node?
    var groupBy: [String]
    var aliases: [AliasEntry]
    var timespan: Timestamp.Duration
    var threshold: CorrelationThreshold?
    var expression: TemporalExpression?
    var expressionText: String?
    var field: String?
    var percentile: Double?
    var generate: Bool
    var conditionNode: Node?

    /// The node of a key in the correlation section (for diagnostics), or the section itself.
    var correlationNode: Node { document.node.mapping?["correlation"] ?? document.node }
}

/// The levels the Sigma spec defines.
let sigmaLevels: Set<String> = ["informational", "low", "medium", "high", "critical"]

extension CorrelationDraft {
    /// Reads one correlation document. Returns nil (with diagnostics) when it cannot be used.
    static func parse(_ document: SigmaDocument, diagnostics: inout [RuleDiagnostic]) -> CorrelationDraft? {
        var problems: [RuleDiagnostic] = []
        func problem(_ message: String, _ node: Node?) { problems.append(document.diagnostic(message, at: node)) }
        guard let top = document.node.mapping else { return nil }

        let title = top["title"]?.scalar?.string
        if title == nil || title!.isEmpty { problem("correlation rule has no 'title'", top["title"]) }
        let id = optionalString(top["id"], key: "id", problem)
        let name = optionalString(top["name"], key: "name", problem)
        var level = "medium"
        if let node = top["level"] {
            if let text = node.scalar?.string, sigmaLevels.contains(text) {
                level = text
            } else {
                problem("'level' must be one of informational, low, medium, high, critical", node)
            }
        }
        let tags = stringList(top["tags"], key: "tags", problem) ?? []

        guard let section = top["correlation"], let correlation = section.mapping else {
            problem("'correlation' must be a mapping", top["correlation"])
            diagnostics += problems
            return nil
        }
        let known: Set<String> = ["type", "rules", "group-by", "timespan", "condition", "aliases", "generate"]
        for (key, _) in correlation where !known.contains(key.string ?? "") {
            problem("unknown key '\(key.string ?? "?")' in 'correlation'", key)
        }

        var type: CorrelationType?
        if let node = correlation["type"] {
            type = node.scalar.flatMap { CorrelationType(rawValue: $0.string) }
            if type == nil {
                let allowed = CorrelationType.allCases.map(\.rawValue).joined(separator: ", ")
                problem("unknown correlation type '\(node.string ?? "?")' (expected one of \(allowed))", node)
            }
        } else {
            problem("correlation has no 'type'", section)
        }

        var references: [Reference] = []
        let referencesNode = correlation["rules"]
        if let node = referencesNode {
            if let scalar = node.scalar {
                references = [Reference(text: scalar.string, node: node)]
            } else if let sequence = node.sequence {
                for item in sequence {
                    if let text = item.scalar?.string, !text.isEmpty {
                        references.append(Reference(text: text, node: item))
                    } else {
                        problem("a rule reference must be a rule id or name", item)
                    }
                }
            } else {
                problem("'rules' must be a rule id or name, or a list of them", node)
            }
        }

        let groupBy = stringList(correlation["group-by"], key: "group-by", problem) ?? []

        var timespan = Timestamp.Duration.zero
        if let node = correlation["timespan"] {
            switch CorrelationTimespan.parse(node.scalar?.string ?? "") {
            case .success(let duration): timespan = duration
            case .failure(let error): problem(error.message, node)
            }
        } else {
            problem("correlation has no 'timespan'", section)
        }

        var aliases: [AliasEntry] = []
        if let node = correlation["aliases"] {
            if let mapping = node.mapping {
                for (aliasNode, targets) in mapping {
                    guard let alias = aliasNode.scalar?.string, let targetMap = targets.mapping else {
                        problem("an alias must map rule names to field names", targets)
                        continue
                    }
                    for (ruleNode, fieldNode) in targetMap {
                        guard let rule = ruleNode.scalar?.string, let field = fieldNode.scalar?.string, !field.isEmpty else {
                            problem("an alias must map rule names to field names", fieldNode)
                            continue
                        }
                        aliases.append(AliasEntry(alias: alias, reference: Reference(text: rule, node: ruleNode), field: field))
                    }
                }
            } else {
                problem("'aliases' must be a mapping", node)
            }
        }

        var generate = false
        if let node = correlation["generate"] {
            if let value = node.bool { generate = value } else { problem("'generate' must be true or false", node) }
        }

        var draft = CorrelationDraft(
            document: document, id: id, name: name, title: title ?? "", level: level, tags: tags,
            type: type ?? .eventCount, references: references, referencesNode: referencesNode, groupBy: groupBy,
            aliases: aliases, timespan: timespan, threshold: nil, expression: nil, expressionText: nil, field: nil,
            percentile: nil, generate: generate, conditionNode: correlation["condition"])
        if let type { draft.parseCondition(type: type, section: section, problem) }
        if type != nil, references.isEmpty, draft.expression == nil {
            problem("correlation has no 'rules'", referencesNode ?? section)
        }
        diagnostics += problems
        return problems.isEmpty ? draft : nil
    }

    static func optionalString(_ node: Node?, key: String, _ problem: (String, Node?) -> Void) -> String? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, !text.isEmpty else {
            problem("'\(key)' must be a non-empty string", node)
            return nil
        }
        return text
    }

    static func stringList(_ node: Node?, key: String, _ problem: (String, Node?) -> Void) -> [String]? {
        guard let node else { return nil }
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else {
            problem("'\(key)' must be a string or a list of strings", node)
            return nil
        }
        var items: [String] = []
        for item in sequence {
            if let text = item.scalar?.string { items.append(text) } else { problem("'\(key)' entries must be strings", item) }
        }
        return items
    }
}
