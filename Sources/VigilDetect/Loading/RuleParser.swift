import Foundation
import VigilEvent
import Yams

/// A detection rule read from its document, before compilation.
struct ParsedRule: Sendable {
    var metadata: SigmaRuleMetadata
    var detection: ParsedDetection
}

/// A Sigma filter (spec: Sigma Filters) read from its document.
struct ParsedFilter: Sendable {
    var title: String
    var id: String?
    var logsource: SigmaLogsource
    /// The rules it applies to, by id or name, with where each reference was written.
    var references: [(reference: String, line: Int, column: Int)]
    var detection: ParsedDetection
    var file: String
    var line: Int
}

/// Reads the metadata, logsource and detection of rule and filter documents.
enum RuleParser {
    static let levels: Set<String> = ["informational", "low", "medium", "high", "critical"]
    static let statuses: Set<String> = ["stable", "test", "experimental", "deprecated", "unsupported"]

    static func parseRule(_ document: SigmaDocument, placeholders: [String: [String]]) -> (ParsedRule?, [RuleDiagnostic]) {
        var diagnostics: [RuleDiagnostic] = []
        let root = document.node
        func report(_ message: String, _ node: Node?) { diagnostics.append(document.diagnostic(message, at: node)) }

        let title = readTitle(document, &diagnostics)
        var id: String? = nil
        if let node = root["id"] {
            if let text = YAMLValues.string(node), UUID(uuidString: text) != nil {
                id = text
            } else {
                report("'id' must be a UUID", node)
            }
        }
        let name = optionalString(document, "name", &diagnostics)
        var level = optionalString(document, "level", &diagnostics)
        if let l = level, !levels.contains(l) {
            report("'level' must be one of informational, low, medium, high, critical", root["level"])
            level = nil
        }
        let status = optionalString(document, "status", &diagnostics)
        if let s = status, !statuses.contains(s) {
            report("'status' must be one of stable, test, experimental, deprecated, unsupported", root["status"])
        }
        var tags: [String] = []
        if let node = root["tags"] {
            if let list = YAMLValues.strings(node), node.sequence != nil {
                tags = list
            } else {
                report("'tags' must be a list of strings", node)
            }
        }
        if let node = root["taxonomy"], YAMLValues.string(node) != "sigma" {
            report("taxonomy '\(YAMLValues.string(node) ?? "?")' is not supported; vigil reads the default 'sigma' taxonomy only", node)
        }
        let logsource = readLogsource(document, &diagnostics)
        var detection: ParsedDetection? = nil
        // The loader classifies a document as a detection rule because it has this section.
        if let node = root["detection"] {
            var parser = DetectionParser(document: document, placeholders: placeholders)
            detection = parser.parse(node, sectionName: "detection", reservedKeys: [])
            diagnostics += parser.diagnostics
        }
        guard diagnostics.isEmpty, let title, let logsource, let detection else { return (nil, diagnostics) }
        let metadata = SigmaRuleMetadata(
            ruleID: RuleID(0), id: id, name: name, title: title, level: level, status: status, tags: tags,
            description: YAMLValues.string(root["description"]), author: YAMLValues.string(root["author"]),
            logsource: logsource, file: document.file, line: document.line)
        return (ParsedRule(metadata: metadata, detection: detection), [])
    }

    static func parseFilter(_ document: SigmaDocument, placeholders: [String: [String]]) -> (ParsedFilter?, [RuleDiagnostic]) {
        var diagnostics: [RuleDiagnostic] = []
        let root = document.node
        let title = readTitle(document, &diagnostics)
        let id = optionalString(document, "id", &diagnostics)
        let logsource = readLogsource(document, &diagnostics)
        var references: [(String, Int, Int)] = []
        var detection: ParsedDetection? = nil
        if let section = root["filter"] {
            if let rulesNode = section["rules"] {
                let items = rulesNode.sequence ?? [rulesNode]
                for item in items {
                    if let text = YAMLValues.string(item) {
                        references.append((text, item.mark?.line ?? document.line, item.mark?.column ?? 0))
                    } else {
                        diagnostics.append(document.diagnostic("filter 'rules' must list rule ids or names", at: item))
                    }
                }
                if items.isEmpty { diagnostics.append(document.diagnostic("filter 'rules' must name at least one rule", at: rulesNode)) }
            } else {
                diagnostics.append(document.diagnostic("a filter needs 'rules' (the rule ids or names it applies to)", at: section))
            }
            var parser = DetectionParser(document: document, placeholders: placeholders)
            detection = parser.parse(section, sectionName: "filter", reservedKeys: ["rules"])
            diagnostics += parser.diagnostics
        }
        guard diagnostics.isEmpty, let title, let logsource, let detection else { return (nil, diagnostics) }
        return (
            ParsedFilter(
                title: title, id: id, logsource: logsource, references: references, detection: detection, file: document.file,
                line: document.line),
            []
        )
    }

    private static func readTitle(_ document: SigmaDocument, _ diagnostics: inout [RuleDiagnostic]) -> String? {
        guard let node = document.node["title"] else {
            diagnostics.append(document.diagnostic("a rule needs a 'title'"))
            return nil
        }
        guard let title = YAMLValues.string(node), !title.isEmpty else {
            diagnostics.append(document.diagnostic("'title' must be a non-empty string", at: node))
            return nil
        }
        if title.count > 256 { diagnostics.append(document.diagnostic("'title' is longer than 256 characters", at: node)) }
        return title
    }

    private static func optionalString(_ document: SigmaDocument, _ key: String, _ diagnostics: inout [RuleDiagnostic]) -> String? {
        guard let node = document.node[key] else { return nil }
        guard let text = YAMLValues.string(node) else {
            diagnostics.append(document.diagnostic("'\(key)' must be a string", at: node))
            return nil
        }
        return text
    }

    private static func readLogsource(_ document: SigmaDocument, _ diagnostics: inout [RuleDiagnostic]) -> SigmaLogsource? {
        guard let node = document.node["logsource"] else {
            diagnostics.append(document.diagnostic("a rule needs a 'logsource'"))
            return nil
        }
        guard node.mapping != nil else {
            diagnostics.append(document.diagnostic("'logsource' must be a mapping (product, category, service)", at: node))
            return nil
        }
        var values: [String: String] = [:]
        for key in ["product", "category", "service"] {
            guard let valueNode = node[key] else { continue }
            guard let text = YAMLValues.string(valueNode), !text.isEmpty else {
                diagnostics.append(document.diagnostic("logsource '\(key)' must be a non-empty string", at: valueNode))
                continue
            }
            values[key] = text
        }
        return SigmaLogsource(product: values["product"], category: values["category"], service: values["service"])
    }
}
