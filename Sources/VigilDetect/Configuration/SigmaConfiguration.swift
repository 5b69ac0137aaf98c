import Foundation
import VigilEvent
import Yams

/// The logsource mapping (`rules/logsources.yml`): where events sit in Sigma's logsource taxonomy,
/// how each family of events names Sigma's fields, and the values of `expand` placeholders.
///
/// The format is documented in docs/sigma.md. ``builtin`` holds the two field maps vigil needs with no
/// file at all: `flat` (JSON keys by name) and `syslog` (decoded fields plus `host`, `app`, `msg`, ...).
public struct SigmaConfiguration: Sendable {
    var fieldMaps: [String: FieldMap]
    var sources: [SourceEntry]
    /// Field map for events no entry places: JSON events, and everything else (text).
    var defaultJSONFieldMap: String
    var defaultTextFieldMap: String
    var placeholders: [String: [String]]
    /// The file it was read from, for messages (the last one, for a mapping laid over another).
    public var file: String?
    /// Every file it was read from, the base first (see ``load(path:over:)``).
    public var files: [String] = []

    /// No logsource entries; the `flat` and `syslog` field maps.
    public static let builtin = SigmaConfiguration(
        fieldMaps: ["flat": .flat, "syslog": .syslog], sources: [], defaultJSONFieldMap: "flat", defaultTextFieldMap: "syslog",
        placeholders: [:], file: nil)

    /// Reads a configuration file; problems come back as diagnostics (and no configuration).
    public static func load(path: String) -> (configuration: SigmaConfiguration?, diagnostics: [RuleDiagnostic]) {
        load(path: path, over: .builtin)
    }

    /// Reads a configuration file laid over `base` (`--logsources FILE` over the shipped mapping):
    ///
    /// - its `sources` go in front of the base's, so they are tried first (the first entry that holds
    ///   places the event);
    /// - its field maps, `defaults` (`json`, `text`) and placeholders replace the base's of the same
    ///   name, key by key; the rest of the base stays. A field map may name a base map (`base:`), even
    ///   the one it replaces, to extend it; sources may use the base's field maps.
    ///
    /// Problems are located in this file (`file:line:column`).
    public static func load(path: String, over base: SigmaConfiguration) -> (
        configuration: SigmaConfiguration?, diagnostics: [RuleDiagnostic]
    ) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return (nil, [RuleDiagnostic(file: path, line: 0, column: 0, message: "cannot read logsource configuration")])
        }
        return parse(yaml: text, file: path, over: base)
    }

    /// Parses configuration text.
    public static func parse(yaml text: String, file: String) -> (configuration: SigmaConfiguration?, diagnostics: [RuleDiagnostic]) {
        parse(yaml: text, file: file, over: .builtin)
    }

    /// Parses configuration text laid over `base` (see ``load(path:over:)``).
    public static func parse(yaml text: String, file: String, over base: SigmaConfiguration) -> (
        configuration: SigmaConfiguration?, diagnostics: [RuleDiagnostic]
    ) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return (base.with(file: file), []) }
            root = node
        } catch let error as YamlError {
            return (nil, [SigmaFileLoader.yamlDiagnostic(error, file: file)])
        } catch {
            return (nil, [RuleDiagnostic(file: file, line: 0, column: 0, message: "\(error)")])
        }
        var reader = ConfigurationReader(file: file)
        let configuration = reader.read(root, over: base)
        return reader.diagnostics.isEmpty ? (configuration, []) : (nil, reader.diagnostics)
    }

    /// Reads `paths` in turn, each laid over the ones before it (the first over the built-in field
    /// maps). A file with problems is left out and the next laid over the last good configuration, so
    /// that the problems of every file are reported; the configuration is nil when any file had one.
    public static func load(paths: [String]) -> (configuration: SigmaConfiguration?, diagnostics: [RuleDiagnostic]) {
        var configuration = SigmaConfiguration.builtin
        var diagnostics: [RuleDiagnostic] = []
        for path in paths {
            let (loaded, problems) = load(path: path, over: configuration)
            diagnostics += problems
            if let loaded { configuration = loaded }
        }
        return (diagnostics.isEmpty ? configuration : nil, diagnostics)
    }

    /// Number of `sources` entries (the base's and its overlays').
    public var sourceCount: Int { sources.count }

    /// The field map an entry's events use: its own `fieldmap`, else the default of its kind. Resolved
    /// when rules are compiled, so that an overlay's `defaults` reach the base's entries too.
    func fieldMapName(of entry: SourceEntry) -> String {
        entry.fieldMap ?? (entry.readsJSON ? defaultJSONFieldMap : defaultTextFieldMap)
    }

    private func with(file: String) -> SigmaConfiguration {
        var copy = self
        copy.file = file
        copy.files.append(file)
        return copy
    }
}

/// Reads the YAML of a configuration file, collecting located problems.
private struct ConfigurationReader {
    let file: String
    var diagnostics: [RuleDiagnostic] = []

    init(file: String) { self.file = file }

    mutating func report(_ message: String, _ node: Node?) {
        diagnostics.append(RuleDiagnostic(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message))
    }

    mutating func read(_ root: Node, over base: SigmaConfiguration) -> SigmaConfiguration {
        var configuration = base
        configuration.file = file
        configuration.files.append(file)
        guard let entries = YAMLValues.entries(root) else {
            report("the logsource configuration must be a mapping", root)
            return configuration
        }
        for (key, keyNode, value) in entries {
            switch key {
            case "fieldmaps": readFieldMaps(value, into: &configuration)
            case "sources": break
            case "defaults":
                for target in ["json", "text"] {
                    guard let node = value[target] else { continue }
                    guard let name = YAMLValues.string(node) else {
                        report("defaults '\(target)' must name a field map", node)
                        continue
                    }
                    if target == "json" { configuration.defaultJSONFieldMap = name } else { configuration.defaultTextFieldMap = name }
                }
            case "placeholders":
                guard let list = YAMLValues.entries(value) else {
                    report("'placeholders' must map names to lists of values", value)
                    continue
                }
                for (name, _, valuesNode) in list {
                    guard let values = YAMLValues.strings(valuesNode) ?? YAMLValues.scalar(valuesNode)?.text.map({ [$0] }) else {
                        report("placeholder '\(name)' must be a value or a list of values", valuesNode)
                        continue
                    }
                    configuration.placeholders[name] = values
                }
            default:
                report("unknown key '\(key)' (expected fieldmaps, sources, defaults, placeholders)", keyNode)
            }
        }
        if let sources = root["sources"] { configuration.sources = readSources(sources, configuration: configuration) + base.sources }
        for (target, name) in [("json", configuration.defaultJSONFieldMap), ("text", configuration.defaultTextFieldMap)]
        where configuration.fieldMaps[name] == nil {
            report("defaults '\(target)' names unknown field map '\(name)'", root["defaults"])
        }
        return configuration
    }

    mutating func readFieldMaps(_ node: Node, into configuration: inout SigmaConfiguration) {
        guard let maps = YAMLValues.entries(node) else { return report("'fieldmaps' must map names to field maps", node) }
        for (name, keyNode, body) in maps {
            var map = FieldMap(name: name, explicit: [:], lookupPrefixes: [""])
            if let baseNode = body["base"] {
                guard let base = YAMLValues.string(baseNode).flatMap({ configuration.fieldMaps[$0] }) else {
                    report("field map '\(name)': 'base' must name a field map defined above", baseNode)
                    continue
                }
                map.explicit = base.explicit
                map.lookupPrefixes = base.lookupPrefixes
            }
            if let lookup = body["lookup"] {
                guard let prefixes = YAMLValues.strings(lookup) else {
                    report("field map '\(name)': 'lookup' must be a list of field name prefixes", lookup)
                    continue
                }
                map.lookupPrefixes = prefixes
            }
            if let fields = body["fields"] {
                for (sigmaField, _, targetNode) in YAMLValues.entries(fields) ?? [] {
                    let texts = YAMLValues.strings(targetNode) ?? []
                    let targets = texts.compactMap(FieldTarget.init(parsing:))
                    if texts.isEmpty || targets.count != texts.count {
                        let known = EventProperty.allCases.map { "@" + $0.rawValue }.joined(separator: ", ")
                        report("field map '\(name)': '\(sigmaField)' must map to event fields or properties (\(known))", targetNode)
                        continue
                    }
                    map.explicit[sigmaField] = targets
                }
            }
            for (key, keyNode, _) in YAMLValues.entries(body) ?? [] where !["base", "lookup", "fields", "description"].contains(key) {
                report("field map '\(name)': unknown key '\(key)' (expected base, lookup, fields, description)", keyNode)
            }
            if body.mapping == nil { report("field map '\(name)' must be a mapping", keyNode) }
            configuration.fieldMaps[name] = map
        }
    }

    mutating func readSources(_ node: Node, configuration: SigmaConfiguration) -> [SourceEntry] {
        guard let list = node.sequence else {
            report("'sources' must be a list of entries", node)
            return []
        }
        var result: [SourceEntry] = []
        for item in list {
            if let entry = readSource(item, index: result.count, configuration: configuration) { result.append(entry) }
        }
        return result
    }

    mutating func readSource(_ item: Node, index: Int, configuration: SigmaConfiguration) -> SourceEntry? {
        let fieldMaps = configuration.fieldMaps
        let before = diagnostics.count
        let line = item.mark?.line ?? 0
        var entry = SourceEntry(
            name: YAMLValues.string(item["name"]) ?? "entry \(index + 1)", apps: [], decoders: [], formats: [], fieldConditions: [],
            logsources: [], fieldMap: nil, readsJSON: false, line: line)
        for (key, keyNode, value) in YAMLValues.entries(item) ?? [] {
            switch key {
            case "name": break
            case "app":
                entry.apps = (YAMLValues.strings(value) ?? []).map(SigmaPattern.init(parsing:))
                if entry.apps.isEmpty { report("source '\(entry.name)': 'app' must be a name or a list of names", value) }
            case "decoder":
                entry.decoders = YAMLValues.strings(value) ?? []
                if entry.decoders.isEmpty { report("source '\(entry.name)': 'decoder' must be a name or a list of names", value) }
            case "format":
                for name in YAMLValues.strings(value) ?? [] {
                    if let format = EventFormat(name: name) {
                        entry.formats.insert(format)
                    } else {
                        report("source '\(entry.name)': unknown format '\(name)' (rfc3164, rfc5424, json, raw)", value)
                    }
                }
            case "match":
                for (field, _, valuesNode) in YAMLValues.entries(value) ?? [] {
                    let values = (valuesNode.sequence.map(Array.init) ?? [valuesNode]).compactMap { YAMLValues.scalar($0)?.text }
                    if values.isEmpty { report("source '\(entry.name)': 'match' field '\(field)' needs values", valuesNode) }
                    entry.fieldConditions.append(.init(field: field, values: values.map(SigmaPattern.init(parsing:))))
                }
            case "logsource":
                for ls in value.sequence.map(Array.init) ?? [value] {
                    let logsource = SigmaLogsource(
                        product: YAMLValues.string(ls["product"]), category: YAMLValues.string(ls["category"]),
                        service: YAMLValues.string(ls["service"]))
                    if logsource.isEmpty { report("source '\(entry.name)': a logsource needs product, category or service", ls) }
                    entry.logsources.append(logsource)
                }
            case "fieldmap":
                let name = YAMLValues.string(value) ?? ""
                entry.fieldMap = name
                if fieldMaps[name] == nil { report("source '\(entry.name)': unknown field map '\(name)'", value) }
            default:
                report(
                    "source '\(entry.name)': unknown key '\(key)' (expected name, app, decoder, format, match, logsource, fieldmap)",
                    keyNode)
            }
        }
        if item.mapping == nil {
            report("a source entry must be a mapping", item)
            return nil
        }
        let conditionKeys: Set<String> = ["app", "decoder", "format", "match"]
        if !(YAMLValues.entries(item) ?? []).contains(where: { conditionKeys.contains($0.key) }) {
            report("source '\(entry.name)' has no condition (app, decoder, format or match)", item)
        }
        if entry.logsources.isEmpty { report("source '\(entry.name)' has no 'logsource'", item) }
        entry.readsJSON = !entry.fieldConditions.isEmpty || entry.formats == [.json]
        return diagnostics.count == before ? entry : nil
    }
}
