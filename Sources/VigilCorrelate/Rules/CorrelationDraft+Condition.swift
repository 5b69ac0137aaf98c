import Foundation
import VigilEvent
import Yams

extension CorrelationDraft {
    /// Reads `correlation.condition`: a mapping of comparisons (with `field` and `percentile`), or for
    /// temporal types an extended expression over rule names.
    mutating func parseCondition(type: CorrelationType, section: Node, _ problem: (String, Node?) -> Void) {
        guard let node = conditionNode else {
            if !type.isTemporal { problem("\(type.rawValue) correlation has no 'condition'", section) }
            return
        }
        if let scalar = node.scalar {
            guard type.isTemporal else {
                problem("an expression condition is only allowed for temporal and temporal_ordered correlations", node)
                return
            }
            switch TemporalExpression.parse(scalar.string) {
            case .success(let expression):
                self.expression = expression
                self.expressionText = scalar.string
            case .failure(let error):
                problem("bad condition expression: \(error.message) at character \(error.offset + 1)", node)
            }
            return
        }
        guard let mapping = node.mapping else {
            problem("'condition' must be a mapping such as {gte: 5}, or for temporal types an expression", node)
            return
        }
        var bounds: [CorrelationThreshold.Bound] = []
        for (keyNode, valueNode) in mapping {
            let key = keyNode.scalar?.string ?? ""
            if let comparison = CorrelationThreshold.Comparison(rawValue: key) {
                guard let scalar = valueNode.scalar, let limit = Self.number(scalar) else {
                    problem("condition '\(key)' needs a number", valueNode)
                    continue
                }
                bounds.append(.init(comparison, limit))
            } else if key == "field" {
                if let text = valueNode.scalar?.string, !text.isEmpty {
                    field = text
                } else if valueNode.sequence != nil {
                    problem("a list of fields in 'condition.field' is not supported", valueNode)
                } else {
                    problem("'condition.field' must be a field name", valueNode)
                }
            } else if key == "percentile" {
                guard let scalar = valueNode.scalar, let value = Self.number(scalar), (0...100).contains(value) else {
                    problem("'condition.percentile' must be a number from 0 to 100", valueNode)
                    continue
                }
                percentile = value
            } else {
                problem("unknown condition key '\(key)' (expected gt, gte, lt, lte, eq, neq, field, percentile)", keyNode)
            }
        }
        if bounds.isEmpty {
            problem("'condition' needs a comparison: gt, gte, lt, lte, eq or neq", node)
        } else {
            threshold = CorrelationThreshold(bounds)
        }
        if type.needsField, field == nil {
            problem("\(type.rawValue) correlation needs 'condition.field'", node)
        }
        switch type {
        case .valuePercentile:
            if percentile == nil {
                problem("value_percentile needs 'condition.percentile' (0 to 100), as pySigma reads it", node)
            }
        case .valueMedian:
            if let percentile, percentile != 50 { problem("value_median is the 50th percentile", mapping["percentile"]) }
            percentile = 50
        default:
            if percentile != nil { problem("'condition.percentile' only applies to value_percentile", mapping["percentile"]) }
        }
        if type == .temporalOrdered, let threshold, threshold.minimumCount == nil {
            problem("temporal_ordered supports one gt or gte comparison (rules matched in order)", node)
        }
    }

    /// A YAML scalar as a finite number (integers and decimals; not `.inf` or `.nan`).
    static func number(_ scalar: Node.Scalar) -> Double? {
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        guard let value = Double(text), value.isFinite, text.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
        return value
    }
}
