import Foundation
import VigilEvent
import Yams

/// One YAML document of a Sigma rule file, before interpretation.
///
/// Detection, correlation and filter rules share files (multi-document YAML), so files are read once here
/// and each kind's compiler takes the documents it understands.
public struct SigmaDocument {
    public enum Kind: Sendable, Hashable {
        case detection
        case correlation
        case filter
    }

    public var kind: Kind
    /// The file it came from, as given on the command line.
    public var file: String
    /// 1-based line of the document's first key.
    public var line: Int
    /// The parsed YAML, with marks (line/column) on every node.
    public var node: Node

    public init(kind: Kind, file: String, line: Int, node: Node) {
        self.kind = kind
        self.file = file
        self.line = line
        self.node = node
    }

    /// A diagnostic at a node of this document (or the document itself).
    public func diagnostic(_ message: String, at node: Node? = nil) -> RuleDiagnostic {
        let mark = (node ?? self.node).mark
        return RuleDiagnostic(file: file, line: mark?.line ?? line, column: mark?.column ?? 0, message: message)
    }
}

/// Reads Sigma rule files and directories into ``SigmaDocument``s.
public enum SigmaFileLoader {
    /// All `.yml`/`.yaml` files under `paths` (files or directories, recursively, in sorted order), split
    /// into documents. YAML syntax errors and documents that are no Sigma rule become diagnostics.
    public static func load(paths: [String]) -> (documents: [SigmaDocument], diagnostics: [RuleDiagnostic]) {
        var documents: [SigmaDocument] = []
        var diagnostics: [RuleDiagnostic] = []
        for file in ruleFiles(under: paths, diagnostics: &diagnostics) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                diagnostics.append(RuleDiagnostic(file: file, line: 0, column: 0, message: "cannot read file (missing or not UTF-8)"))
                continue
            }
            do {
                // Parser.nextRoot throws on syntax errors; iterating compose_all's sequence would
                // silently stop at the first bad document instead.
                let parser = try Parser(yaml: text)
                let firstDocument = documents.count
                var collection = false
                while let node = try parser.nextRoot() {
                    let line = node.mark?.line ?? 1
                    if collection { continue }
                    if let action = sigma1Action(node) {
                        // Each document of a collection is a fragment: read one by one, they gave a
                        // follow-on error apiece. One message for the file, and none of its documents.
                        diagnostics.append(
                            RuleDiagnostic(
                                file: file, line: action.mark?.line ?? line, column: action.mark?.column ?? 0,
                                message:
                                    "Sigma 1 rule collection ('action: \(action.string ?? "")') is not supported: Sigma 2 has no "
                                    + "collections; write each rule as a document of its own, with its title, logsource and detection"))
                        documents.removeSubrange(firstDocument...)
                        collection = true
                        continue
                    }
                    guard let mapping = node.mapping else {
                        diagnostics.append(
                            RuleDiagnostic(
                                file: file, line: line, column: node.mark?.column ?? 0, message: "a Sigma rule must be a YAML mapping"))
                        continue
                    }
                    let kind: SigmaDocument.Kind
                    if mapping["correlation"] != nil {
                        kind = .correlation
                    } else if mapping["filter"] != nil {
                        kind = .filter
                    } else if mapping["detection"] != nil {
                        kind = .detection
                    } else {
                        diagnostics.append(
                            RuleDiagnostic(
                                file: file, line: line, column: node.mark?.column ?? 0,
                                message: "not a Sigma rule: no 'detection', 'correlation' or 'filter' section"))
                        continue
                    }
                    documents.append(SigmaDocument(kind: kind, file: file, line: line, node: node))
                }
            } catch let error as YamlError {
                diagnostics.append(yamlDiagnostic(error, file: file))
            } catch {
                diagnostics.append(RuleDiagnostic(file: file, line: 0, column: 0, message: "\(error)"))
            }
        }
        return (documents, diagnostics)
    }

    /// The `action` value node of a Sigma 1 collection document (`global`, `reset`, `repeat`), or nil.
    static func sigma1Action(_ node: Node) -> Node? {
        guard let action = node.mapping?["action"], let value = action.string, ["global", "reset", "repeat"].contains(value) else {
            return nil
        }
        return action
    }

    /// YAML files under the given paths, sorted so that load order (and thus rule ids) is stable.
    public static func ruleFiles(under paths: [String], diagnostics: inout [RuleDiagnostic]) -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(RuleDiagnostic(file: path, line: 0, column: 0, message: "no such file or directory"))
                continue
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let found = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
                .sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            files.append(contentsOf: found)
        }
        return files
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> RuleDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return RuleDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(what)")
        case let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return RuleDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML error: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return RuleDiagnostic(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "YAML error: duplicate key \(keys) in one mapping")
        default:
            return RuleDiagnostic(file: file, line: 0, column: 0, message: "YAML error: \(error)")
        }
    }
}
