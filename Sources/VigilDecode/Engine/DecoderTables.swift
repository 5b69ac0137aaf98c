import VigilEvent
import VigilRegex

/// The loaded decoders laid out for the hot path: flat tables of plain values behind stable pointers, so
/// that trying a decoder touches no reference count, no Swift array header and no enum payload.
///
/// Built once from the compiled ``DecoderNode``s; read-only afterwards and shared by every worker.
final class DecoderTables: @unchecked Sendable {
    // @unchecked: every buffer is allocated and filled in init, only read afterwards, and freed in deinit;
    // the `Unmanaged` regex references are kept alive by `regexes`.

    /// A run of bytes in ``arena``.
    struct Slice {
        var offset: Int32
        var count: Int32
        static let empty = Slice(offset: 0, count: 0)
    }

    /// A run of entries in one of the other tables.
    struct Span {
        var start: Int32
        var count: Int32
        var range: Range<Int> { Int(start)..<Int(start + count) }
    }

    enum PrematchKind: UInt8 {
        case none, contains, prefix, regex
    }

    struct Node {
        var symbol: Symbol
        var prematchKind: PrematchKind
        /// The prematch literal (`contains`, `prefix`).
        var literal: Slice
        /// For `contains`: the literal's byte that `memchr` looks for (see ``LiteralSearch``).
        var anchor: Int32
        /// Literal text every match of ``pattern`` starts with (``PatternPrefix``); checked first.
        var required: Slice
        /// The pattern is exactly ``required``: a compare decides, PCRE2 is not called.
        var patternIsLiteral: Bool
        /// The byte what this decoder is tried on must start with (from ``required`` or a `prefix`
        /// prematch), or -1: tested before the decoder is tried at all.
        var gate: Int16
        /// Whether none of its groups is typed and it has no null values: fields are written as they are.
        var plainFields: Bool
        var prematchRegex: Unmanaged<Regex>?
        var pattern: Unmanaged<Regex>?
        /// JIT code of ``prematchRegex`` and ``pattern`` (nil: not JIT-compiled; the interpreter runs).
        var prematchCode: Regex.JITCode?
        var patternCode: Regex.JITCode?
        var captures: Span
        var constants: Span
        var children: Span
        var nullValues: Span
        /// Index into ``captures`` (relative to the node's span) of the event-time group, or -1.
        var eventTimeCapture: Int32
        /// For nodes with many children: offset into ``byteSpans`` of 257 spans (one per first byte of what
        /// this node leaves, and one for nothing left) listing the children that can match it; -1 otherwise.
        var childrenByFirstByte: Int32
        /// ``DecoderNode/isProgramLevel``: an event this is the deepest match of goes to the shape tally.
        var isProgramLevel = false
    }

    struct Capture {
        var group: Int32
        var field: Symbol
        var type: DecoderFieldType
    }

    struct Constant {
        var field: Symbol
        /// Index into ``constantValues`` (and the worker's per-batch offsets).
        var id: Int32
    }

    let nodes: UnsafeBufferPointer<Node>
    let captures: UnsafeBufferPointer<Capture>
    let constants: UnsafeBufferPointer<Constant>
    let children: UnsafeBufferPointer<Int32>
    /// Children lists by first byte (see ``Node/childrenByFirstByte``), into ``children``.
    let byteSpans: UnsafeBufferPointer<Span>
    let nullValues: UnsafeBufferPointer<Slice>
    let constantValues: UnsafeBufferPointer<Slice>
    let arena: UnsafeBufferPointer<UInt8>
    // Program dispatch (see ``ProgramIndex``).
    let lists: UnsafeBufferPointer<Int32>
    let defaultLists: UnsafeBufferPointer<ProgramIndex.ListRange>
    let exactLists: UnsafeBufferPointer<ProgramIndex.ListRange>
    let slots: UnsafeBufferPointer<ProgramIndex.Slot>
    let slotNames: UnsafeBufferPointer<UInt8>
    let programIndex: ProgramIndex
    /// The most fields one event can get: the largest sum of captures and constants on a path from a
    /// top-level decoder down the tree.
    let maxFieldsPerEvent: Int
    /// The most groups of any pattern, group 0 included (the size of a worker's match data).
    let capturePairs: Int
    private let regexes: [Regex]
    /// Owns every buffer above.
    private let frozen: FrozenBuffers

    init(nodes source: [DecoderNode], constants constantBytes: [[UInt8]], programIndex: ProgramIndex) {
        var arena: [UInt8] = []
        func slice(_ bytes: [UInt8]) -> Slice {
            defer { arena += bytes }
            return Slice(offset: Int32(arena.count), count: Int32(bytes.count))
        }
        var nodes: [Node] = []
        var captures: [Capture] = []
        var constants: [Constant] = []
        var children: [Int32] = []
        var nullValues: [Slice] = []
        var regexes: [Regex] = []
        for node in source {
            var hot = Node(
                symbol: node.symbol, prematchKind: .none, literal: .empty, anchor: 0, required: .empty, patternIsLiteral: false,
                gate: -1, plainFields: node.nullValues.isEmpty && node.captures.allSatisfy { $0.type == .string },
                prematchRegex: nil, pattern: nil, prematchCode: nil, patternCode: nil,
                captures: Span(start: Int32(captures.count), count: Int32(node.captures.count)),
                constants: Span(start: Int32(constants.count), count: Int32(node.constants.count)),
                children: Span(start: Int32(children.count), count: Int32(node.children.count)),
                nullValues: Span(start: Int32(nullValues.count), count: Int32(node.nullValues.count)),
                eventTimeCapture: Int32(node.eventTimeCapture ?? -1), childrenByFirstByte: -1, isProgramLevel: node.isProgramLevel)
            switch node.prematch {
            case .none: break
            case .contains(let search):
                hot.prematchKind = .contains
                hot.literal = slice(search.bytes)
                hot.anchor = Int32(search.anchor)
            case .prefix(let bytes):
                hot.prematchKind = .prefix
                hot.literal = slice(bytes)
            case .regex(let regex):
                hot.prematchKind = .regex
                hot.prematchRegex = Unmanaged.passUnretained(regex)
                hot.prematchCode = regex.jitCode
                regexes.append(regex)
            }
            if let pattern = node.pattern {
                hot.pattern = Unmanaged.passUnretained(pattern)
                hot.patternCode = pattern.jitCode
                let prefix = PatternPrefix.analyze(pattern.pattern)
                hot.required = slice(prefix.prefix)
                hot.patternIsLiteral = prefix.isWholePattern && pattern.captureCount == 0
                regexes.append(pattern)
            }
            if case .prefix(let bytes) = node.prematch, let first = bytes.first { hot.gate = Int16(first) }
            if hot.required.count > 0 { hot.gate = Int16(arena[Int(hot.required.offset)]) }
            captures += node.captures.map { Capture(group: Int32($0.group), field: $0.field, type: $0.type) }
            constants += node.constants.map { Constant(field: $0.field, id: Int32($0.constant)) }
            children += node.children
            nullValues += node.nullValues.map(slice)
            nodes.append(hot)
        }
        var byteSpans: [Span] = []
        for i in nodes.indices where nodes[i].children.count >= Self.childrenWorthATable {
            nodes[i].childrenByFirstByte = Int32(byteSpans.count)
            let kids = Array(children[nodes[i].children.range])
            // Per child, the bytes it may start with (all of them when unknown), as a table.
            let leading: [[Bool]] = kids.map { kid in
                guard let bytes = Self.firstBytes(of: source[Int(kid)]) else { return [Bool](repeating: true, count: 256) }
                var table = [Bool](repeating: false, count: 256)
                for byte in bytes { table[Int(byte)] = true }
                return table
            }
            let unknown = kids.indices.map { Self.firstBytes(of: source[Int(kids[$0])]) == nil }
            for byte in 0...256 {
                let start = Int32(children.count)
                for k in kids.indices where byte < 256 ? leading[k][byte] : unknown[k] { children.append(kids[k]) }
                byteSpans.append(Span(start: start, count: Int32(children.count) - start))
            }
        }
        let constantValues = constantBytes.map(slice)
        var frozen = FrozenBuffers()
        // Word compares may read up to seven bytes past a literal's end.
        arena += [UInt8](repeating: 0, count: 8)
        self.nodes = frozen.freeze(nodes)
        self.captures = frozen.freeze(captures)
        self.constants = frozen.freeze(constants)
        self.children = frozen.freeze(children)
        self.byteSpans = frozen.freeze(byteSpans)
        self.nullValues = frozen.freeze(nullValues)
        self.constantValues = frozen.freeze(constantValues)
        self.arena = frozen.freeze(arena)
        self.lists = frozen.freeze(programIndex.lists)
        self.defaultLists = frozen.freeze(programIndex.defaultLists)
        self.exactLists = frozen.freeze(programIndex.exactLists)
        self.slots = frozen.freeze(programIndex.slots)
        self.slotNames = frozen.freeze(programIndex.arena)
        self.programIndex = programIndex
        self.regexes = regexes
        self.maxFieldsPerEvent = Self.maxFieldsPerPath(source)
        self.capturePairs = 1 + regexes.map(\.captureCount).reduce(0, max)
        self.frozen = frozen
    }

    deinit {
        frozen.release()
    }

    /// Parents come before their children in load order, so one pass finds the heaviest path.
    private static func maxFieldsPerPath(_ nodes: [DecoderNode]) -> Int {
        var heaviest = [Int](repeating: 0, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            heaviest[i] = node.captures.count + node.constants.count + (node.parents.map { heaviest[Int($0)] }.max() ?? 0)
        }
        return heaviest.max() ?? 0
    }

    /// Below this many children, trying each one's first-byte check is as fast as a table lookup.
    static let childrenWorthATable = 2

    /// The bytes of a slice of ``arena``.
    @inline(__always)
    func bytes(_ slice: Slice) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: arena.baseAddress! + Int(slice.offset), count: Int(slice.count))
    }

    /// The children of `node` worth trying on a remainder whose first byte is `byte` (nil: nothing is left).
    @inline(__always)
    func children(of node: Node, firstByte byte: UInt8?) -> Span {
        guard node.childrenByFirstByte >= 0 else { return node.children }
        return byteSpans[Int(node.childrenByFirstByte) + (byte.map(Int.init) ?? 256)]
    }
}

extension DecoderTables {
    /// The bytes that what a decoder is tried on can start with, if it matches: from its prefix prematch,
    /// its pattern's literal prefix and PCRE2's own first-byte analysis of an anchored pattern; nil when
    /// any byte (or nothing) may come first.
    static func firstBytes(of node: DecoderNode) -> Set<UInt8>? {
        var set: Set<UInt8>?
        func narrow(_ bytes: Set<UInt8>) { set = set.map { $0.intersection(bytes) } ?? bytes }
        if case .prefix(let literal) = node.prematch, let first = literal.first { narrow([first]) }
        if let pattern = node.pattern {
            if let first = PatternPrefix.required(by: pattern.pattern).first { narrow([first]) }
            if pattern.isAnchored, let bytes = pattern.possibleFirstBytes { narrow(bytes) }
        }
        return set
    }
}
