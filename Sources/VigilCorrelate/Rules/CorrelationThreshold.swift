/// A correlation condition on a measured value: one comparison, or several joined by AND (the spec's
/// range form `gt: 100` + `lte: 200`).
public struct CorrelationThreshold: Sendable, Hashable, CustomStringConvertible {
    /// The comparison operators of the spec.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case gt, gte, lt, lte, eq, neq
    }

    /// One comparison against a limit.
    public struct Bound: Sendable, Hashable {
        public var comparison: Comparison
        public var limit: Double

        public init(_ comparison: Comparison, _ limit: Double) {
            self.comparison = comparison
            self.limit = limit
        }

        @inlinable
        public func holds(_ value: Double) -> Bool {
            switch comparison {
            case .gt: value > limit
            case .gte: value >= limit
            case .lt: value < limit
            case .lte: value <= limit
            case .eq: value == limit
            case .neq: value != limit
            }
        }
    }

    /// All must hold.
    public var bounds: [Bound]

    public init(_ bounds: [Bound]) {
        self.bounds = bounds
    }

    /// Whether `value` meets every bound.
    @inlinable
    public func holds(_ value: Double) -> Bool {
        for bound in bounds where !bound.holds(value) { return false }
        return true
    }

    /// Whether the condition only asks for "at least": true once it holds for a count, it holds for any
    /// larger count (gt and gte only).
    public var isLowerBoundOnly: Bool {
        bounds.allSatisfy { $0.comparison == .gt || $0.comparison == .gte }
    }

    /// The smallest integer count that meets a single gt/gte bound (`gte: 5` -> 5, `gt: 5` -> 6).
    public var minimumCount: Int? {
        guard bounds.count == 1, let bound = bounds.first else { return nil }
        switch bound.comparison {
        case .gte: return Int(min(max(0, bound.limit.rounded(.up)), 1e9))
        case .gt: return Int(min(max(0, bound.limit.rounded(.down) + 1), 1e9))
        default: return nil
        }
    }

    public var description: String {
        bounds.map { "\($0.comparison.rawValue) \($0.limit)" }.joined(separator: " and ")
    }
}
