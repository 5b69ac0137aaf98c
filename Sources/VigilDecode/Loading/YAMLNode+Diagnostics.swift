import VigilEvent
import Yams

extension Node {
    var position: SourcePosition {
        SourcePosition(line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    /// The text of a scalar node, or nil for mappings and sequences.
    var scalarText: String? { scalar?.string }

    /// Whether this is YAML's null (a plain `null`, `Null`, `NULL`, `~` or nothing), read without a tag
    /// resolver (files are composed with Yams' basic resolver).
    var isNull: Bool {
        guard let scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

/// Collects the problems of one decoder file.
struct DiagnosticLog {
    let file: String
    var diagnostics: [RuleDiagnostic] = []

    mutating func report(_ message: String, at position: SourcePosition) {
        diagnostics.append(RuleDiagnostic(file: file, line: position.line, column: position.column, message: message))
    }

    mutating func report(_ message: String, at node: Node) {
        report(message, at: node.position)
    }

    /// The pairs of a mapping node, reporting keys that are not in `allowed`, repeated, or not strings.
    mutating func pairs(of node: Node, allowed: Set<String>, what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            report("\(what) must be a mapping", at: node)
            return nil
        }
        var seen: Set<String> = []
        var result: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalarText else {
                report("\(what): keys must be strings", at: keyNode)
                continue
            }
            if !allowed.contains(key) {
                let known = allowed.sorted().joined(separator: ", ")
                report("unknown key '\(key)' in \(what) (expected one of: \(known))", at: keyNode)
                continue
            }
            if !seen.insert(key).inserted {
                report("duplicate key '\(key)' in \(what)", at: keyNode)
                continue
            }
            result.append((key, keyNode, value))
        }
        return result
    }

    /// A scalar's text, reporting anything else.
    mutating func string(_ node: Node, what: String) -> String? {
        guard let text = node.scalarText else {
            report("\(what) must be a string", at: node)
            return nil
        }
        return text
    }

    /// A list of strings; a single string is accepted as a list of one.
    mutating func strings(_ node: Node, what: String) -> [Located<String>]? {
        if let text = node.scalarText { return [Located(value: text, position: node.position)] }
        guard let sequence = node.sequence else {
            report("\(what) must be a string or a list of strings", at: node)
            return nil
        }
        var result: [Located<String>] = []
        for item in sequence {
            guard let text = item.scalarText else {
                report("\(what) must be a string or a list of strings", at: item)
                return nil
            }
            result.append(Located(value: text, position: item.position))
        }
        return result
    }
}
