/// What decoding did, per decoder: one worker's counts, merged across workers for the run summary.
///
/// Indexed like ``DecoderSet/names``; counters of workers of the same ``DecoderSet`` merge with
/// ``merge(_:)``.
public struct DecoderCounters: Sendable {
    /// One decoder's counts.
    public struct Entry: Sendable, Hashable {
        public var name: String
        /// Events this decoder decoded (it was the deepest decoder that matched).
        public var matched: UInt64
        /// Matches abandoned because a match or depth limit was hit (counted as non-matches).
        public var limitExceeded: UInt64
        /// Field values dropped because they failed their type (an `ip` that is no address, ...).
        public var invalidFields: UInt64
        /// A program decoder: top level, capturing nothing from the message (``DecoderSet/isProgramLevel(_:)``).
        public var isProgramLevel: Bool = false
    }

    /// Decoder names in load order.
    public let names: [String]
    /// Per decoder, in load order: whether it is a program decoder (see ``Entry/isProgramLevel``).
    public let programLevel: [Bool]
    /// Events the decode stage saw.
    public internal(set) var events: UInt64 = 0
    /// Events some decoder matched.
    public internal(set) var decoded: UInt64 = 0
    var matched: [UInt64]
    var limitExceeded: [UInt64]
    var invalidFields: [UInt64]
    /// Shapes of events no message decoder took, merged over workers, in no particular order: counted
    /// only by workers with ``DecoderWorker/tracksUnmatchedShapes`` set (see ``topUnmatchedShapes(_:)``).
    public internal(set) var unmatchedShapes: [UnmatchedShape] = []
    /// Shapes that took the place of another in a worker's full table: when nonzero, shape counts are
    /// estimates (each at most its `overcount` too high, and a shape a worker dropped is missing its
    /// events there).
    public internal(set) var unmatchedShapeReplacements: UInt64 = 0

    /// Zero counts for the decoders of `decoders`.
    public init(decoders: DecoderSet) {
        self.init(names: decoders.names, programLevel: decoders.storage.programLevel)
    }

    init(names: [String], programLevel: [Bool]) {
        self.names = names
        self.programLevel = programLevel
        matched = Array(repeating: 0, count: names.count)
        limitExceeded = matched
        invalidFields = matched
    }

    /// Per-decoder counts, in load order.
    public var entries: [Entry] {
        names.indices.map {
            Entry(
                name: names[$0], matched: matched[$0], limitExceeded: limitExceeded[$0], invalidFields: invalidFields[$0],
                isProgramLevel: programLevel[$0])
        }
    }

    /// Events whose deepest matching decoder is a program decoder: they matched their program (and
    /// any prematch) and nothing read their message, so they carry no field from it.
    public var programDecoderOnly: UInt64 {
        names.indices.reduce(0) { $0 + (programLevel[$1] ? matched[$1] : 0) }
    }

    /// Events a message decoder decoded: ``decoded`` less ``programDecoderOnly``.
    public var decodedWithFields: UInt64 { decoded - programDecoderOnly }

    /// The `count` most frequent ``unmatchedShapes``, most frequent first (ties by program, words).
    public func topUnmatchedShapes(_ count: Int) -> [UnmatchedShape] {
        Array(
            unmatchedShapes.sorted {
                $0.count != $1.count ? $0.count > $1.count : ($0.program, $0.words) < ($1.program, $1.words)
            }.prefix(count))
    }

    /// Total matches abandoned at a limit, over all decoders.
    public var totalLimitExceeded: UInt64 { limitExceeded.reduce(0, +) }

    /// Total field values dropped for failing their type.
    public var totalInvalidFields: UInt64 { invalidFields.reduce(0, +) }

    /// Adds another worker's counts (of the same ``DecoderSet``).
    public mutating func merge(_ other: DecoderCounters) {
        precondition(other.names.count == names.count, "counters of different decoder sets")
        events += other.events
        decoded += other.decoded
        for i in names.indices {
            matched[i] += other.matched[i]
            limitExceeded[i] += other.limitExceeded[i]
            invalidFields[i] += other.invalidFields[i]
        }
        // Space-Saving summaries merge by adding counts and overcounts of the same shape.
        var byShape: [String: Int] = [:]
        for (i, shape) in unmatchedShapes.enumerated() { byShape[shape.program + "\u{1F}" + shape.words] = i }
        for shape in other.unmatchedShapes {
            if let i = byShape[shape.program + "\u{1F}" + shape.words] {
                unmatchedShapes[i].count += shape.count
                unmatchedShapes[i].overcount += shape.overcount
            } else {
                byShape[shape.program + "\u{1F}" + shape.words] = unmatchedShapes.count
                unmatchedShapes.append(shape)
            }
        }
        unmatchedShapeReplacements += other.unmatchedShapeReplacements
    }

    /// Resets every count to zero.
    public mutating func reset() {
        events = 0
        decoded = 0
        unmatchedShapes = []
        unmatchedShapeReplacements = 0
        for i in names.indices {
            matched[i] = 0
            limitExceeded[i] = 0
            invalidFields[i] = 0
        }
    }
}
