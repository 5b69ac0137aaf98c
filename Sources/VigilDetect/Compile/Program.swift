import VigilRegex

/// Every rule's condition compiled into flat arrays: boolean nodes over predicates, predicates over
/// value tests, literals in one byte arena. Evaluating a rule walks these arrays; nothing refers to
/// YAML or allocates.
struct Program: Sendable {
    enum Operation: UInt8, Sendable {
        case and, or, not, predicate, alwaysFalse
    }

    /// A boolean node: `and`/`or` over `children[first ..< first + count]`, `not` of node `first`,
    /// or `predicate` number `first`.
    struct Node: Sendable {
        var operation: Operation
        var first: Int32
        var count: Int32
    }

    /// `field|modifiers: values` compiled: tests `tests[first ..< first + count]` grouped by
    /// ``Test/group`` (groups are the rule's values; a group's tests are alternatives).
    struct Predicate: Sendable {
        /// Sigma field id, or ``keywords``.
        var field: Int32
        var first: Int32
        var count: Int32
        var groupCount: Int32
        var linkAll: Bool
        var negated: Bool
        /// Whether a test needs the original (unfolded) value or its presence only.
        var needsFolded: Bool

        static let keywords: Int32 = -1
    }

    enum TestKind: UInt8, Sendable {
        case equals, prefix, suffix, contains, glob, anyValue
        case regex, cidr, compare, exists, null, fieldReference, datePart
    }

    /// One value test. `start`/`length` index ``Program/literals`` (string tests), ``Program/glob``
    /// (glob) or the regex/network tables; `number` holds comparison operands.
    struct Test: Sendable {
        var kind: TestKind
        var cased: Bool
        var group: UInt32
        /// Comparison, date part or reference mode, by raw value.
        var variant: UInt8
        var start: Int32
        var length: Int32
        var number: Double
    }

    /// A glob piece: literal bytes (folded unless the test is cased) or a wildcard.
    struct GlobToken: Sendable {
        enum Kind: UInt8, Sendable {
            case literal, anyRun, anyCharacter, dash
        }
        var kind: Kind
        var start: Int32
        var length: Int32
    }

    var nodes: [Node] = []
    var children: [Int32] = []
    var predicates: [Predicate] = []
    var tests: [Test] = []
    var literals: [UInt8] = []
    var glob: [GlobToken] = []
    var regexes: [Regex] = []
    var networks: [IPNetwork] = []
    /// Sigma field names by id.
    var fieldNames: [String] = []
    var fieldIDs: [String: Int32] = [:]

    mutating func fieldID(_ name: String) -> Int32 {
        if let id = fieldIDs[name] { return id }
        let id = Int32(fieldNames.count)
        fieldNames.append(name)
        fieldIDs[name] = id
        return id
    }

    mutating func addNode(_ operation: Operation, first: Int32 = 0, count: Int32 = 0) -> Int32 {
        nodes.append(Node(operation: operation, first: first, count: count))
        return Int32(nodes.count - 1)
    }

    mutating func addJunction(_ operation: Operation, _ operands: [Int32]) -> Int32 {
        if operands.count == 1 { return operands[0] }
        let first = Int32(children.count)
        children.append(contentsOf: operands)
        return addNode(operation, first: first, count: Int32(operands.count))
    }

    mutating func addLiteral(_ bytes: [UInt8]) -> (start: Int32, length: Int32) {
        let start = Int32(literals.count)
        literals.append(contentsOf: bytes)
        return (start, Int32(bytes.count))
    }
}
