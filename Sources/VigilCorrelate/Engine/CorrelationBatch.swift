import VigilEvent

/// The correlation inputs of one batch of detections, routed to their shards: per shard a list of
/// fixed-size records whose group key, measured value and evidence live in one byte buffer.
///
/// A detect stage fills one per event batch with ``CorrelationRouter`` (on any thread: routing is
/// stateless); the ordered stage hands it whole to the engine, which skips late records and gives each
/// shard its list. Nothing is allocated per detection, and evidence stays the message as received
/// until an alert prints it (see ``EvidenceRendering``).
public struct CorrelationBatch: Sendable {
    /// How a piece of evidence is kept until an alert prints it.
    public enum EvidenceForm: UInt8, Sendable {
        /// The event's normalized JSON, printed as is.
        case json
        /// The message as received, printed through the run's ``EvidenceRendering``.
        case message
        /// A child correlation's window, read by a chained correlation: its alert JSON with its own
        /// evidence still kept in these forms (see ``DeferredWindow``).
        case window
    }

    /// One input for one correlation source: 64 bytes, no references.
    struct Record {
        var rule: Int32
        var slot: Int32
        var time: Int64
        var source: SourceID
        var evidence: Int32
        var sequence: UInt64
        var keyHash: UInt64
        var number: Double
        var keyStart: UInt32
        var keyCount: UInt32
        var valueStart: UInt32
        /// ``Record/noValue`` when the input measures nothing (or the field was absent).
        var valueCount: UInt32

        static let noValue = UInt32.max
    }

    struct Evidence {
        var start: UInt32
        var count: UInt32
        var time: EvidenceTime
        var form: EvidenceForm
    }

    /// Number of group shards. Records for the chain shard are in list number `shards`.
    public let shards: Int
    var lists: [[Record]]
    var evidence: [Evidence] = []
    var bytes: [UInt8] = []
    /// Event time of each detection some correlation reads (to count late ones).
    var detectionTimes: [Int64] = []
    /// Event time of each (detection, correlation source) left out for lacking a group-by field.
    var missingTimes: [Int64] = []
    /// Group-by and distinct values longer than state keeps, stored as a prefix and a digest
    /// (``GroupKey/appendBounded(_:to:)``).
    var shortenedValues = 0

    /// An empty batch for `shards` group shards (plus the chain shard).
    public init(shards: Int) {
        self.shards = max(1, shards)
        lists = Array(repeating: [], count: self.shards + 1)
    }

    /// How much a batch holds: see ``reserveCapacity(_:)``.
    public struct Sizes: Sendable {
        var bytes = 0
        var evidence = 0
        var detections = 0
        var lists: [Int] = []
    }

    /// What this batch holds, to reserve as much in the next one.
    public var sizes: Sizes {
        Sizes(bytes: bytes.count, evidence: evidence.count, detections: detectionTimes.count, lists: lists.map(\.count))
    }

    /// Room for about as many bytes, evidence entries and records (per list) as a batch of `sizes`
    /// held, so that a batch like the last one fills without growing its buffers by doubling: the
    /// copies of that growth were 1.3 % of the CPU of `vigil run --rules rules/sigma` on auth.log (the
    /// evidence, a message per detection, is most of a batch's bytes).
    public mutating func reserveCapacity(_ sizes: Sizes) {
        bytes.reserveCapacity(sizes.bytes + sizes.bytes / 8)
        evidence.reserveCapacity(sizes.evidence + sizes.evidence / 8)
        detectionTimes.reserveCapacity(sizes.detections + sizes.detections / 8)
        for list in lists.indices where list < sizes.lists.count {
            lists[list].reserveCapacity(sizes.lists[list] + sizes.lists[list] / 8)
        }
    }

    /// Inputs routed, over all shards.
    public var count: Int { lists.reduce(0) { $0 + $1.count } }

    /// Detections routed (a detection read by two rules is one detection and two inputs).
    public var detectionCount: Int { detectionTimes.count }

    public var isEmpty: Bool { detectionTimes.isEmpty && lists.allSatisfy(\.isEmpty) }

    /// Bytes held (records, evidence and buffers), for memory accounting.
    public var memoryBytes: Int {
        lists.reduce(0) { $0 + $1.capacity * MemoryLayout<Record>.stride } + evidence.capacity * MemoryLayout<Evidence>.stride
            + bytes.capacity + (detectionTimes.capacity + missingTimes.capacity) * 8
    }

    /// Stores one piece of evidence and returns its index for ``CorrelationRouter/route(rule:time:source:sequence:evidence:into:values:)``.
    /// An event read by several correlations needs it only once.
    public mutating func addEvidence(_ content: UnsafeRawBufferPointer, form: EvidenceForm, receiveTime: Timestamp) -> Int32 {
        addEvidence(content, form: form, time: EvidenceTime(received: receiveTime))
    }

    /// Stores one piece of evidence with the event's settled time (see ``EvidenceTime``).
    public mutating func addEvidence(_ content: UnsafeRawBufferPointer, form: EvidenceForm, time: EvidenceTime) -> Int32 {
        let start = bytes.count
        bytes.append(contentsOf: content)
        evidence.append(Evidence(start: UInt32(start), count: UInt32(content.count), time: time, form: form))
        return Int32(evidence.count - 1)
    }

    /// Stores an event's JSON as evidence.
    public mutating func addEvidence(json: String) -> Int32 {
        var text = json
        return text.withUTF8 { addEvidence(UnsafeRawBufferPointer($0), form: .json, receiveTime: .distantPast) }
    }

    /// Calls `body` with the bytes of a range of ``bytes``.
    @inline(__always)
    func withBytes<R>(start: UInt32, count: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[Int(start)..<Int(start) + Int(count)])) }
    }

    /// The time a detect stage gives inputs whose event has no time yet (``EventTimeSource/pending``):
    /// the ordered stage replaces it with ``resolvePendingTimes(to:)`` before the engine sees the batch.
    /// (Were one left, it would read as a time of 1677: late, counted, never silently windowed.)
    public static let pendingTime = Timestamp(nanoseconds: Int64.min + 1)

    /// Gives every input routed at ``pendingTime``, and its evidence, its event's settled time.
    public mutating func resolvePendingTimes(to time: Timestamp, precision: UInt8 = 0) {
        let pending = Self.pendingTime.nanoseconds
        for i in evidence.indices where evidence[i].time.event == pending {
            evidence[i].time.event = time.nanoseconds
            evidence[i].time.precision = precision
        }
        for list in lists.indices {
            lists[list].withUnsafeMutableBufferPointer { records in
                for i in records.indices where records[i].time == pending { records[i].time = time.nanoseconds }
            }
        }
        for i in detectionTimes.indices where detectionTimes[i] == pending { detectionTimes[i] = time.nanoseconds }
        for i in missingTimes.indices where missingTimes[i] == pending { missingTimes[i] = time.nanoseconds }
    }

    /// Adds an input for the chain shard given as text (a child window read by a chained correlation).
    mutating func appendChainInput(
        rule: Int, slot: Int, time: Int64, source: SourceID, sequence: UInt64, key: String, value: String?, number: Double,
        evidence: Int32
    ) {
        let keyStart = UInt32(bytes.count)
        bytes.append(contentsOf: key.utf8)
        let keyCount = UInt32(bytes.count) - keyStart
        var valueStart: UInt32 = 0, valueCount = Record.noValue
        if let value {
            valueStart = UInt32(bytes.count)
            bytes.append(contentsOf: value.utf8)
            valueCount = UInt32(bytes.count) - valueStart
        }
        lists[shards].append(
            Record(
                rule: Int32(rule), slot: Int32(slot), time: time, source: source, evidence: evidence, sequence: sequence,
                keyHash: GroupKey.hash(key), number: number, keyStart: keyStart, keyCount: keyCount, valueStart: valueStart,
                valueCount: valueCount))
    }
}

/// The times kept with a piece of evidence kept as a message: when it was received (which parsing it
/// again needs), and the time the pipeline settled for its event (a decoder's, an inherited or
/// resolved one, a file's year), which the evidence prints instead of what parsing alone would give.
public struct EvidenceTime: Sendable, Hashable {
    public var received: Int64
    /// The event's settled time (nanoseconds); `Int64.min` when not given (parsing decides).
    public var event: Int64
    /// Sub-second digits of ``event``.
    public var precision: UInt8

    public init(received: Timestamp, event: Timestamp? = nil, precision: UInt8 = 0) {
        self.received = received.nanoseconds
        self.event = event?.nanoseconds ?? .min
        self.precision = precision
    }

    /// The settled event time, if one was given.
    public var eventTime: Timestamp? { event == .min ? nil : Timestamp(nanoseconds: event) }
}
