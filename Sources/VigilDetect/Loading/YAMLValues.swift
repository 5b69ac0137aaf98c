import Yams

/// Reading typed values out of Yams nodes the way YAML 1.1 (PyYAML, and so pySigma) types them.
enum YAMLValues {
    /// A scalar node's Sigma value; nil for sequences and mappings.
    static func scalar(_ node: Node) -> RuleScalar? {
        guard let scalar = node.scalar else { return nil }
        if scalar.style != .plain { return .string(scalar.string) }
        switch Tag.Name(rawValue: node.tag.description) {
        case .null: return .null
        case .bool: return .boolean(node.bool ?? false)
        case .int:
            // Keep decimal spellings as written ("4688"); other forms (0x10, 1_000) as their value.
            let text = scalar.string
            let isDecimal =
                !text.isEmpty && text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isASCII)
                && text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber)
            if isDecimal, let value = Double(text) { return .number(text.hasPrefix("+") ? String(text.dropFirst()) : text, value) }
            if let value = node.int { return .number(String(value), Double(value)) }
            return .string(text)
        case .float:
            if let value = node.float, value.isFinite { return .number(scalar.string, value) }
            return .string(scalar.string)
        default:
            return .string(scalar.string)
        }
    }

    /// A scalar's text if it is a string (quoted or plain, not null).
    static func string(_ node: Node?) -> String? {
        guard let node, let scalar = node.scalar else { return nil }
        if scalar.style == .plain && node.tag.description == Tag.Name.null.rawValue { return nil }
        return scalar.string
    }

    /// The text of a list of strings, or of a single string.
    static func strings(_ node: Node?) -> [String]? {
        guard let node else { return nil }
        if let sequence = node.sequence {
            var result: [String] = []
            for item in sequence {
                guard let s = string(item) else { return nil }
                result.append(s)
            }
            return result
        }
        return string(node).map { [$0] }
    }

    /// The entries of a mapping with string keys, in file order.
    static func entries(_ node: Node) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else { return nil }
        var result: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { return nil }
            result.append((name, key, value))
        }
        return result
    }
}
