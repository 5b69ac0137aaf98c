import VigilEvent

/// The mutable state of one ``DecoderWorker``, behind one reference: the fields decoded in the current
/// batch, derived bytes, counters and the program-name cache.
///
/// Owned by one worker on one thread (a `DecoderWorker` is not `Sendable`). Buffers are plain allocations
/// reached through pointers, so the hot path pays no copy-on-write uniqueness check and no dynamic
/// exclusivity check per field or per count; counters sit in their own cache lines, so two workers never
/// write the same line (no false sharing).
final class WorkerState {
    // @exclusivity(unchecked): one worker owns this object on one thread; the dynamic checks Swift would run
    // on every access protect nothing and cost more than the work they guard.

    /// Fields decoded in the current batch, appended to the batch's fields at its end.
    @exclusivity(unchecked) var fields: UnsafeMutablePointer<Field>
    @exclusivity(unchecked) var fieldCount = 0
    @exclusivity(unchecked) var fieldCapacity: Int
    /// Bytes derived during one batch (constants, normalized time stamps), appended to the batch at its end.
    @exclusivity(unchecked) var derived: [UInt8] = []
    /// Where derived bytes start in the batch's bytes: the batch's byte count before decoding.
    @exclusivity(unchecked) var derivedBase = 0
    /// Per constant: its offset in ``derived`` for the current batch, or -1.
    let constantOffsets: UnsafeMutablePointer<Int32>
    let constantCount: Int
    @exclusivity(unchecked) var constantsUsed = false

    /// Per decoder: matched, limit exceeded, invalid fields (three runs of `decoderCount`), then events and
    /// decoded; cache-line aligned.
    let counts: UnsafeMutablePointer<UInt64>
    let decoderCount: Int
    static let cacheLine = 128

    /// Program names that no decoder lists exactly, with their candidate lists (see ``ProgramCache``).
    @exclusivity(unchecked) var programs: ProgramCache
    /// Per decoder: whether it is a program decoder (for the counters).
    let programLevel: [Bool]
    /// Shapes of events no message decoder took; nil unless asked for (``DecoderWorker/tracksUnmatchedShapes``).
    @exclusivity(unchecked) var shapes: ShapeTally?

    init(decoderCount: Int, constantCount: Int, fieldsPerEvent: Int, programIndex: ProgramIndex, programLevel: [Bool]) {
        self.decoderCount = decoderCount
        self.programLevel = programLevel
        self.constantCount = constantCount
        fieldCapacity = max(1024, fieldsPerEvent * 256)
        fields = .allocate(capacity: fieldCapacity)
        constantOffsets = .allocate(capacity: max(constantCount, 1))
        constantOffsets.initialize(repeating: -1, count: max(constantCount, 1))
        let countBytes = (3 * decoderCount + 2) * MemoryLayout<UInt64>.stride
        let rounded = (countBytes + Self.cacheLine - 1) / Self.cacheLine * Self.cacheLine
        counts = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: Self.cacheLine)
            .initializeMemory(as: UInt64.self, repeating: 0, count: rounded / MemoryLayout<UInt64>.stride)
        programs = ProgramCache(index: programIndex)
    }

    deinit {
        fields.deallocate()
        constantOffsets.deallocate()
        UnsafeMutableRawPointer(counts).deallocate()
        programs.deallocate()
    }

    // MARK: Counters

    @inline(__always) var matched: UnsafeMutablePointer<UInt64> { counts }
    @inline(__always) var limitExceeded: UnsafeMutablePointer<UInt64> { counts + decoderCount }
    @inline(__always) var invalidFields: UnsafeMutablePointer<UInt64> { counts + 2 * decoderCount }
    @inline(__always) var events: UnsafeMutablePointer<UInt64> { counts + 3 * decoderCount }
    @inline(__always) var decoded: UnsafeMutablePointer<UInt64> { counts + 3 * decoderCount + 1 }

    func snapshot(names: [String]) -> DecoderCounters {
        var counters = DecoderCounters(names: names, programLevel: programLevel)
        counters.events = events.pointee
        counters.decoded = decoded.pointee
        if let shapes {
            counters.unmatchedShapes = shapes.snapshot()
            counters.unmatchedShapeReplacements = shapes.replacements
        }
        for i in 0..<decoderCount {
            counters.matched[i] = matched[i]
            counters.limitExceeded[i] = limitExceeded[i]
            counters.invalidFields[i] = invalidFields[i]
        }
        return counters
    }

    func restore(_ counters: DecoderCounters) {
        precondition(counters.names.count == decoderCount, "counters of a different decoder set")
        events.pointee = counters.events
        decoded.pointee = counters.decoded
        // A table of shapes cannot be set from counts: it starts over.
        shapes?.reset()
        for i in 0..<decoderCount {
            matched[i] = counters.matched[i]
            limitExceeded[i] = counters.limitExceeded[i]
            invalidFields[i] = counters.invalidFields[i]
        }
    }

    // MARK: Batches

    func beginBatch(byteCount: Int) {
        fieldCount = 0
        derived.removeAll(keepingCapacity: true)
        derivedBase = byteCount
        if constantsUsed {
            constantOffsets.update(repeating: -1, count: constantCount)
            constantsUsed = false
        }
    }

    /// Makes room for `count` more fields.
    @inline(__always)
    func reserveFields(_ count: Int) {
        if fieldCount + count > fieldCapacity { growFields(to: fieldCount + count) }
    }

    private func growFields(to needed: Int) {
        var capacity = fieldCapacity
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutablePointer<Field>.allocate(capacity: capacity)
        grown.moveInitialize(from: fields, count: fieldCount)
        fields.deallocate()
        fields = grown
        fieldCapacity = capacity
    }

    /// The batch offset of a constant's bytes, written once per batch.
    @inline(__always)
    func constantStart(_ id: Int, _ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = Int(constantOffsets[id])
        if offset < 0 {
            offset = derived.count
            derived.append(contentsOf: bytes)
            constantOffsets[id] = Int32(offset)
            constantsUsed = true
        }
        return derivedBase + offset
    }
}
