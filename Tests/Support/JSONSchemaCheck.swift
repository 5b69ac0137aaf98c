import Foundation

/// Checks JSON values against a JSON Schema, for the subset of 2020-12 vigil's schemas use: `type`
/// (one or a list), `required`, `properties`, `additionalProperties` (bool or schema), `enum`,
/// `pattern`, `minimum`, `maximum`, `minLength`, `items`, and `$ref` to `#/$defs/NAME`. Anything else
/// in a schema is a failure of the check itself, so the schema cannot silently use a keyword this
/// does not enforce.
public struct JSONSchemaCheck {
    let root: [String: Any]

    public init(schemaFile: URL) throws {
        let data = try Data(contentsOf: schemaFile)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CheckError(message: "\(schemaFile.path): not a JSON object")
        }
        self.root = root
    }

    struct CheckError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let known: Set<String> = [
        "$schema", "$id", "title", "description", "type", "required", "properties", "additionalProperties", "enum", "pattern",
        "minimum", "maximum", "minLength", "items", "$ref", "$defs",
    ]

    /// The problems of `value` (empty: valid).
    public func problems(of value: Any) -> [String] {
        var problems: [String] = []
        check(value, against: root, at: "$", problems: &problems)
        return problems
    }

    /// The problems of one JSON text.
    public func problems(ofJSON text: String) -> [String] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return ["not JSON: \(text.prefix(80))"]
        }
        return problems(of: value)
    }

    private func check(_ value: Any, against schema: [String: Any], at path: String, problems: inout [String]) {
        for key in schema.keys where !Self.known.contains(key) {
            problems.append("\(path): schema keyword \(key) is not supported by the check")
        }
        if let ref = schema["$ref"] as? String {
            let name = ref.replacingOccurrences(of: "#/$defs/", with: "")
            guard let defs = root["$defs"] as? [String: Any], let target = defs[name] as? [String: Any] else {
                problems.append("\(path): unresolved $ref \(ref)")
                return
            }
            check(value, against: target, at: path, problems: &problems)
        }
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [(type as? String) ?? ""]
            guard types.contains(where: { Self.matches(value, type: $0) }) else {
                problems.append("\(path): expected \(types.joined(separator: " or ")), got \(value)")
                return
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        if let string = value as? String {
            if let pattern = schema["pattern"] as? String,
                string.range(of: pattern, options: .regularExpression) == nil
            {
                problems.append("\(path): '\(string)' does not match \(pattern)")
            }
            if let minimum = schema["minLength"] as? Int, string.count < minimum { problems.append("\(path): shorter than \(minimum)") }
        }
        if let number = value as? NSNumber, !(value is String), !Self.isBoolean(value) {
            if let minimum = schema["minimum"] as? Double, number.doubleValue < minimum {
                problems.append("\(path): \(number) < \(minimum)")
            }
            if let maximum = schema["maximum"] as? Double, number.doubleValue > maximum {
                problems.append("\(path): \(number) > \(maximum)")
            }
        }
        if let object = value as? [String: Any] {
            for key in (schema["required"] as? [String]) ?? [] where object[key] == nil { problems.append("\(path): missing \(key)") }
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for (key, member) in object {
                if let sub = properties[key] as? [String: Any] {
                    check(member, against: sub, at: "\(path).\(key)", problems: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool {
                        if !allowed { problems.append("\(path): unexpected member \(key)") }
                    } else if let sub = additional as? [String: Any] {
                        check(member, against: sub, at: "\(path).\(key)", problems: &problems)
                    }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { check(item, against: items, at: "\(path)[\(index)]", problems: &problems) }
        }
    }

    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber, !(value is String) else { return false }
        // JSONSerialization gives booleans as NSNumbers of Objective-C type "c".
        return String(cString: number.objCType) == "c"
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "number": return value is NSNumber && !isBoolean(value)
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(value) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        default: return false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if let a = a as? NSNumber, let b = b as? NSNumber { return a == b }
        return false
    }
}
