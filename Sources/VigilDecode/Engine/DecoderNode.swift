import VigilEvent
import VigilRegex

/// A decoder ready to run: its prematch and pattern compiled, its fields resolved to symbols.
struct DecoderNode: Sendable {
    /// A named group that becomes a field.
    struct Capture: Sendable {
        var group: Int
        var field: Symbol
        var type: DecoderFieldType
    }

    /// A constant field; its bytes are ``DecoderStorage/constants``[`constant`].
    struct Constant: Sendable {
        var field: Symbol
        var constant: Int
    }

    enum Prematch: Sendable {
        case none
        case contains(LiteralSearch)
        case prefix([UInt8])
        case regex(Regex)
    }

    var name: String
    var symbol: Symbol
    var file: String
    var line: Int
    var prematch: Prematch
    var pattern: Regex?
    var captures: [Capture]
    var constants: [Constant]
    var nullValues: [[UInt8]]
    /// Index into ``captures`` of the group that sets the event time.
    var eventTimeCapture: Int?
    /// Children in load order: the first that matches wins.
    var children: [Int32] = []
    /// Parents as listed in the file.
    var parents: [Int32] = []
    /// Whether this decoder has no parent (it is dispatched by program and format).
    var isRoot: Bool

    /// A program decoder: top level and capturing nothing from the message (`sshd`, `pam-legacy`).
    /// An event it is the deepest match of matched its program only.
    var isProgramLevel: Bool { isRoot && captures.isEmpty }
}

/// Everything a loaded ``DecoderSet`` holds; immutable and shared by all workers.
final class DecoderStorage: Sendable {
    let nodes: [DecoderNode]
    /// The nodes' names, in load order.
    let names: [String]
    /// Per node, in load order: ``DecoderNode/isProgramLevel``.
    let programLevel: [Bool]
    /// Bytes of every constant field value.
    let constants: [[UInt8]]
    let limits: RegexLimits
    let tests: [DecoderTestCase]
    let files: [String]
    /// The same decoders, laid out for the hot path.
    let tables: DecoderTables

    init(
        nodes: [DecoderNode], programIndex: ProgramIndex, constants: [[UInt8]], limits: RegexLimits,
        tests: [DecoderTestCase], files: [String]
    ) {
        self.nodes = nodes
        self.names = nodes.map(\.name)
        self.programLevel = nodes.map(\.isProgramLevel)
        self.constants = constants
        self.limits = limits
        self.tests = tests
        self.files = files
        self.tables = DecoderTables(nodes: nodes, constants: constants, programIndex: programIndex)
    }
}
