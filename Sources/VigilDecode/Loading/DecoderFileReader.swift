import VigilEvent
import Yams

/// The contents of one decoder file: its decoders and test cases, or what is wrong with it.
struct DecoderFile: Sendable {
    var file: String
    var decoders: [DecoderSpec] = []
    var tests: [DecoderTestCase] = []
    var diagnostics: [RuleDiagnostic] = []
}

/// Reads the YAML of a decoder file into ``DecoderSpec``s, checking keys and value shapes. Patterns are
/// compiled later (``DecoderCompiler``), with the positions recorded here.
struct DecoderFileReader {
    static let fileKeys: Set<String> = ["decoders", "tests"]
    static let decoderKeys: Set<String> = [
        "name", "parent", "applies_to", "prematch", "pattern", "types", "rename", "constants", "null_values",
        "event_time",
    ]
    static let selectorKeys: Set<String> = ["programs", "formats"]
    static let prematchKeys: Set<String> = ["contains", "prefix", "regex"]

    let file: String
    /// The file's text, for placing pattern errors (see ``PatternSource``).
    let text: String
    var log: DiagnosticLog

    static func read(file: String, text: String) -> DecoderFile {
        var reader = DecoderFileReader(file: file, text: text, log: DiagnosticLog(file: file))
        var result = DecoderFile(file: file)
        do {
            // The basic resolver: every plain scalar stays a string (decoder files want strings; `null` is
            // recognized by ``Node/isNull``). The default resolver would run up to seven regular expressions
            // per scalar, most of a file's load time. UTF-8 given outright: `.default` reads the environment
            // on every call.
            guard let root = try Yams.compose(yaml: text, .basic, .default, .utf8) else {
                reader.log.report("empty decoder file", at: SourcePosition(line: 1, column: 1))
                result.diagnostics = reader.log.diagnostics
                return result
            }
            for (key, _, value) in reader.log.pairs(of: root, allowed: fileKeys, what: "a decoder file") ?? [] {
                if key == "decoders" {
                    result.decoders = reader.readList(value, what: "decoders") { $0.readDecoder($1) }
                } else {
                    result.tests = reader.readList(value, what: "tests") { $0.readTest($1) }
                }
            }
        } catch let error as YamlError {
            reader.log.diagnostics.append(yamlDiagnostic(error, file: file))
        } catch {
            reader.log.report("YAML error: \(error)", at: SourcePosition(line: 0, column: 0))
        }
        result.diagnostics = reader.log.diagnostics
        return result
    }

    private mutating func readList<T>(_ node: Node, what: String, _ item: (inout Self, Node) -> T?) -> [T] {
        guard let sequence = node.sequence else {
            log.report("'\(what)' must be a list", at: node)
            return []
        }
        return sequence.compactMap { item(&self, $0) }
    }

    // MARK: Decoders

    private mutating func readDecoder(_ node: Node) -> DecoderSpec? {
        guard let pairs = log.pairs(of: node, allowed: Self.decoderKeys, what: "a decoder") else { return nil }
        guard let nameNode = pairs.first(where: { $0.key == "name" })?.value else {
            log.report("a decoder needs a 'name'", at: node)
            return nil
        }
        guard let name = log.string(nameNode, what: "'name'"), !name.isEmpty else { return nil }
        var spec = DecoderSpec(name: Located(value: name, position: nameNode.position), file: file)
        for (key, _, value) in pairs {
            switch key {
            case "parent": spec.parents = log.strings(value, what: "'parent'") ?? []
            case "applies_to": spec.appliesTo = readAppliesTo(value)
            case "prematch": spec.prematch = readPrematch(value)
            case "pattern": spec.pattern = readPattern(value, what: "'pattern'")
            case "types": spec.types = readTypes(value)
            case "rename":
                spec.rename = readStringMap(value, what: "'rename'").map { (group: $0.key, field: $0.value) }
            case "constants":
                spec.constants = readStringMap(value, what: "'constants'").map { (name: $0.key, value: $0.value) }
            case "null_values": spec.nullValues = (log.strings(value, what: "'null_values'") ?? []).map(\.value)
            case "event_time":
                if let group = log.string(value, what: "'event_time'") {
                    spec.eventTime = Located(value: group, position: value.position)
                }
            default: break  // "name", read above
            }
        }
        return spec
    }

    private mutating func readAppliesTo(_ node: Node) -> Located<[ProgramSelector]>? {
        let items = node.sequence.map(Array.init) ?? [node]
        var selectors: [ProgramSelector] = []
        for item in items {
            guard let pairs = log.pairs(of: item, allowed: Self.selectorKeys, what: "'applies_to'") else { return nil }
            var selector = ProgramSelector()
            for (key, _, value) in pairs {
                guard let names = log.strings(value, what: "'\(key)'") else { return nil }
                if key == "programs" {
                    selector.programs = names.map(\.value)
                    for name in names where name.value.isEmpty || name.value.dropFirst().dropLast().contains("*") {
                        log.report("program name '\(name.value)': '*' may only start or end a name", at: name.position)
                    }
                } else {
                    selector.formats = names.compactMap { name in
                        guard let format = EventFormat(name: name.value) else {
                            let known = EventFormat.allCases.map(\.name).joined(separator: ", ")
                            log.report("unknown format '\(name.value)' (expected one of: \(known))", at: name.position)
                            return nil
                        }
                        return format
                    }
                }
            }
            selectors.append(selector)
        }
        return Located(value: selectors, position: node.position)
    }

    private mutating func readPrematch(_ node: Node) -> PrematchSpec? {
        if let text = node.scalarText {
            return .contains(Array(text.utf8))
        }
        guard let pairs = log.pairs(of: node, allowed: Self.prematchKeys, what: "'prematch'") else { return nil }
        guard pairs.count == 1, let (key, _, value) = pairs.first else {
            log.report("'prematch' needs exactly one of 'contains', 'prefix' or 'regex'", at: node)
            return nil
        }
        switch key {
        case "contains": return log.string(value, what: "'contains'").map { .contains(Array($0.utf8)) }
        case "prefix": return log.string(value, what: "'prefix'").map { .prefix(Array($0.utf8)) }
        default: return readPattern(value, what: "'regex'").map { .regex($0) }
        }
    }

    private mutating func readPattern(_ node: Node, what: String) -> PatternSource? {
        guard let scalar = node.scalar else {
            log.report("\(what) must be a string", at: node)
            return nil
        }
        var text = scalar.string
        // Block scalars end with a newline that no log message has: patterns never end in one.
        while text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else {
            log.report("\(what) is empty", at: node)
            return nil
        }
        return PatternSource(text: text, scalar: ScalarPositions.Origin(scalar), fileText: self.text, position: node.position)
    }

    private mutating func readTypes(_ node: Node) -> [(group: Located<String>, type: DecoderFieldType)] {
        readStringMap(node, what: "'types'").compactMap { entry in
            guard let type = DecoderFieldType(rawValue: entry.value) else {
                let known = DecoderFieldType.allCases.map(\.rawValue).joined(separator: ", ")
                log.report("unknown field type '\(entry.value)' (expected one of: \(known))", at: entry.valuePosition)
                return nil
            }
            return (entry.key, type)
        }
    }

    private mutating func readStringMap(_ node: Node, what: String) -> [(
        key: Located<String>, value: String, valuePosition: SourcePosition
    )] {
        guard let mapping = node.mapping else {
            log.report("\(what) must be a mapping", at: node)
            return []
        }
        var seen: Set<String> = []
        var result: [(key: Located<String>, value: String, valuePosition: SourcePosition)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = log.string(keyNode, what: "a key of \(what)"),
                let value = log.string(valueNode, what: "'\(keyNode.scalarText ?? "")' in \(what)")
            else { continue }
            guard seen.insert(key).inserted else {
                log.report("duplicate key '\(key)' in \(what)", at: keyNode)
                continue
            }
            result.append((Located(value: key, position: keyNode.position), value, valueNode.position))
        }
        return result
    }
}
