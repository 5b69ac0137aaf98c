import Foundation
import VigilDecode

/// Compares decoded fields with the variables of a loghub event template (`<*>` positions).
///
/// Each `<*>` of a template is mapped to what the decoder must have extracted there:
/// - `user`: the field `user` equals the variable;
/// - `{src_port} {ssh_protocol}`: the variable equals this text with fields substituted;
/// - `src_ip|src_host`: either alternative;
/// - an empty variable must be an absent field; variables are compared without surrounding spaces;
/// - `^`: this `<*>` continues the previous one (loghub split one value at punctuation); the combined
///   text, from the first variable's start to this one's end, is compared.
struct TemplateVariables {
    let template: String
    let mapping: [String]
    private let regex: NSRegularExpression

    init(template: String, mapping: [String]) throws {
        self.template = template
        self.mapping = mapping
        let parts = template.components(separatedBy: "<*>")
        let pattern = "^" + parts.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "(.*?)") + "\\s*$"
        regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
    }

    var starCount: Int { template.components(separatedBy: "<*>").count - 1 }

    /// Problems with `fields` for a message `content` of this template (empty: all variables agree).
    func check(content: String, fields: [DecoderTestCase.ExpectedField]) -> [String] {
        let ns = content as NSString
        guard let match = regex.firstMatch(in: content, range: NSRange(location: 0, length: ns.length)) else {
            return ["content does not match its template"]
        }
        guard mapping.count == starCount else { return ["mapping has \(mapping.count) entries for \(starCount) variables"] }
        var problems: [String] = []
        var i = 0
        while i < mapping.count {
            var last = i
            while last + 1 < mapping.count && mapping[last + 1] == "^" { last += 1 }
            let start = match.range(at: i + 1).location
            let end = match.range(at: last + 1).location + match.range(at: last + 1).length
            // loghub templates are loose about runs of spaces; an empty variable is an absent field.
            let variable = ns.substring(with: NSRange(location: start, length: end - start)).trimmingCharacters(in: .whitespaces)
            let alternatives = mapping[i].split(separator: "|").map { render(String($0), fields) }
            if !alternatives.contains(variable) && !(variable.isEmpty && alternatives.contains(nil)) {
                problems.append("variable \(i + 1) '\(variable)' != \(mapping[i]) (\(alternatives.map { $0 ?? "absent" }))")
            }
            i = last + 1
        }
        return problems
    }

    private func render(_ expression: String, _ fields: [DecoderTestCase.ExpectedField]) -> String? {
        func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
        guard expression.contains("{") else { return value(expression) }
        var out = ""
        var rest = Substring(expression)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            guard let v = value(String(rest[rest.index(after: open)..<close])) else { return nil }
            out += v
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
