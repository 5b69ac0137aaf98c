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
    }

    /// Decoder names in load order.
    public let names: [String]
    /// Events the decode stage saw.
    public internal(set) var events: UInt64 = 0
    /// Events some decoder matched.
    public internal(set) var decoded: UInt64 = 0
    var matched: [UInt64]
    var limitExceeded: [UInt64]
    var invalidFields: [UInt64]

    /// Zero counts for the decoders of `decoders`.
    public init(decoders: DecoderSet) {
        self.init(names: decoders.names)
    }

    init(names: [String]) {
        self.names = names
        matched = Array(repeating: 0, count: names.count)
        limitExceeded = matched
        invalidFields = matched
    }

    /// Per-decoder counts, in load order.
    public var entries: [Entry] {
        names.indices.map {
            Entry(name: names[$0], matched: matched[$0], limitExceeded: limitExceeded[$0], invalidFields: invalidFields[$0])
        }
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
    }

    /// Resets every count to zero.
    public mutating func reset() {
        events = 0
        decoded = 0
        for i in names.indices {
            matched[i] = 0
            limitExceeded[i] = 0
            invalidFields[i] = 0
        }
    }
}
