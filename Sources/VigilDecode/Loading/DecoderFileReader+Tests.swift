import VigilEvent
import Yams

extension DecoderFileReader {
    static let testKeys: Set<String> = ["log", "decoder", "fields"]

    /// `- log: LINE` with `decoder: NAME` (or `null`: nothing may match) and `fields: {name: value}`.
    mutating func readTest(_ node: Node) -> DecoderTestCase? {
        guard let pairs = log.pairs(of: node, allowed: Self.testKeys, what: "a test") else { return nil }
        guard let input = pairs.first(where: { $0.key == "log" }).flatMap({ log.string($0.value, what: "'log'") }) else {
            log.report("a test needs a 'log' line", at: node)
            return nil
        }
        guard let decoderNode = pairs.first(where: { $0.key == "decoder" })?.value else {
            log.report("a test needs a 'decoder' (use null when no decoder may match)", at: node)
            return nil
        }
        let expectedDecoder = decoderNode.isNull ? nil : log.string(decoderNode, what: "'decoder'")
        var fields: [DecoderTestCase.ExpectedField] = []
        if let fieldsNode = pairs.first(where: { $0.key == "fields" })?.value {
            guard let mapping = fieldsNode.mapping else {
                log.report("'fields' must be a mapping", at: fieldsNode)
                return nil
            }
            for (keyNode, valueNode) in mapping {
                guard let name = log.string(keyNode, what: "a field name"),
                    let values = log.strings(valueNode, what: "the value of '\(name)'")
                else { return nil }
                fields += values.map { DecoderTestCase.ExpectedField(name: name, value: $0.value) }
            }
        }
        return DecoderTestCase(
            file: file, line: node.position.line, input: input, expectedDecoder: expectedDecoder, expectedFields: fields)
    }
}

/// A diagnostic for a YAML syntax error, at the position libyaml reports.
func yamlDiagnostic(_ error: YamlError, file: String) -> RuleDiagnostic {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
        .composer(let context, let problem, let mark, _):
        let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        return RuleDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(what)")
    default:
        return RuleDiagnostic(file: file, line: 0, column: 0, message: "YAML error: \(error)")
    }
}
