import Foundation
import VigilEvent

/// A Sigma logsource: the product, category and service a rule targets or an event belongs to.
///
/// A rule sees an event when every key the rule states equals the event's (keys the rule leaves out
/// match anything). Values are compared in lower case, as the spec writes them.
public struct SigmaLogsource: Hashable, Sendable, CustomStringConvertible {
    public var product: String?
    public var category: String?
    public var service: String?

    public init(product: String? = nil, category: String? = nil, service: String? = nil) {
        self.product = product?.lowercased()
        self.category = category?.lowercased()
        self.service = service?.lowercased()
    }

    /// Parses `product=X,category=Y,service=Z` (any subset, any order), the `--logsource` syntax.
    /// - Returns: nil with a message when the text is malformed.
    public static func parse(_ text: String) -> (logsource: SigmaLogsource?, error: String?) {
        var result = SigmaLogsource()
        for piece in text.split(separator: ",") {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[1].isEmpty else {
                return (nil, "expected key=value in '\(piece)' (keys: product, category, service)")
            }
            switch pair[0] {
            case "product": result.product = pair[1].lowercased()
            case "category": result.category = pair[1].lowercased()
            case "service": result.service = pair[1].lowercased()
            default: return (nil, "unknown logsource key '\(pair[0])' (keys: product, category, service)")
            }
        }
        if result.isEmpty { return (nil, "a logsource needs at least one of product, category, service") }
        return (result, nil)
    }

    /// Whether no key is set.
    public var isEmpty: Bool { product == nil && category == nil && service == nil }

    /// Whether a rule with this logsource sees events of `event`'s logsource.
    public func admits(_ event: SigmaLogsource) -> Bool {
        (product == nil || product == event.product) && (category == nil || category == event.category)
            && (service == nil || service == event.service)
    }

    public var description: String {
        [("product", product), ("category", category), ("service", service)]
            .compactMap { key, value in value.map { "\(key)=\($0)" } }
            .joined(separator: ",")
    }
}

/// What vigil knows about a loaded detection rule: everything an alert or a correlation needs.
public struct SigmaRuleMetadata: Sendable {
    /// Index of the rule in its ``SigmaRuleSet``.
    public var ruleID: RuleID
    /// Sigma `id` (a UUID), if the rule has one.
    public var id: String?
    /// Sigma `name`, the readable reference correlation rules may use.
    public var name: String?
    public var title: String
    /// `informational`, `low`, `medium`, `high` or `critical`, if given.
    public var level: String?
    public var status: String?
    public var tags: [String]
    public var description: String?
    public var author: String?
    public var logsource: SigmaLogsource
    /// The rule file, as given on the command line.
    public var file: String
    /// 1-based line of the rule's document in its file.
    public var line: Int

    /// The identifier alerts print: the Sigma `id`, else the `name`, else `file:line`.
    public var alertIdentifier: String { id ?? name ?? "\(file):\(line)" }
}
