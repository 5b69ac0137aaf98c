import VigilEvent
import VigilRegex

/// One worker's decoding state: PCRE2 match data (a ``RegexScratch``), buffers reused from batch to batch,
/// and its ``counters``. Not `Sendable`: each pipeline worker owns one and calls ``decode(_:)`` on every
/// batch after parsing.
public struct DecoderWorker {
    public let decoders: DecoderSet
    /// This worker's counts since it was created (or last ``DecoderCounters/reset()``).
    public var counters: DecoderCounters
    let tables: DecoderTables
    let scratch: RegexScratch
    /// Bytes derived during one batch (constants, normalized time stamps), appended to the batch at its end.
    var derived: [UInt8] = []
    /// Fields whose value points into ``derived`` until it is appended.
    var relocations: [Int32] = []
    /// Per constant: its offset in ``derived`` for the current batch, or -1.
    var constantOffsets: [Int32]
    /// Candidate lists for program names matched only by `prefix*`/`*suffix` patterns, by glob mask and format.
    var globLists: [UInt64: ProgramIndex.ListRange] = [:]
    var globListStorage: [Int32] = []

    /// Room reserved in the batch's fields before decoding (a guess; the array still grows if needed).
    static let fieldsPerEventGuess = 8

    public init(decoders: DecoderSet) {
        self.decoders = decoders
        self.tables = decoders.storage.tables
        self.counters = DecoderCounters(decoders: decoders)
        let maxGroups = decoders.storage.nodes.map { $0.pattern?.captureCount ?? 0 }.max() ?? 0
        self.scratch = RegexScratch(limits: decoders.storage.limits, capturePairs: maxGroups + 1)
        self.constantOffsets = Array(repeating: -1, count: decoders.storage.constants.count)
    }

    /// Decodes every event of `batch`: sets ``Event/decoder`` and ``Event/decodedFields`` of the events a
    /// decoder matches, appending their fields to ``EventBatch/fields`` and any derived bytes (constants,
    /// normalized time stamps) to ``EventBatch/bytes``. Field values taken from the message are sub-ranges of
    /// it: nothing is copied.
    public mutating func decode(_ batch: inout EventBatch) {
        guard tables.nodes.count > 0 else {
            counters.events &+= UInt64(batch.events.count)
            return
        }
        var events: [Event] = []
        var fields: [Field] = []
        swap(&events, &batch.events)
        swap(&fields, &batch.fields)
        derived.removeAll(keepingCapacity: true)
        relocations.removeAll(keepingCapacity: true)
        fields.reserveCapacity(fields.count + events.count * Self.fieldsPerEventGuess)
        batch.bytes.withUnsafeBytes { bytes in
            events.withUnsafeMutableBufferPointer { events in
                for i in events.indices {
                    decodeEvent(&events[i], bytes: bytes, fields: &fields)
                }
            }
        }
        if !derived.isEmpty {
            let base = UInt32(batch.bytes.count)
            batch.bytes.append(contentsOf: derived)
            for i in relocations {
                fields[Int(i)].value.start &+= base
                fields[Int(i)].value.end &+= base
            }
            for i in constantOffsets.indices { constantOffsets[i] = -1 }
        }
        swap(&events, &batch.events)
        swap(&fields, &batch.fields)
    }

    @inline(__always)
    private mutating func decodeEvent(_ event: inout Event, bytes: UnsafeRawBufferPointer, fields: inout [Field]) {
        counters.events &+= 1
        let subjectRange = event.message ?? event.raw
        guard subjectRange.upperBound <= bytes.count else { return }
        let subject = UnsafeRawBufferPointer(rebasing: bytes[subjectRange.range])
        let base = subjectRange.lowerBound
        let fieldStart = fields.count
        var matched = -1
        var rest = 0
        let (list, fromGlobs) = candidates(for: event, bytes: bytes)
        for k in Int(list.start)..<Int(list.start + list.count) {
            let root = Int(fromGlobs ? globListStorage[k] : tables.lists[k])
            if let end = tryDecoder(root, subject, from: 0, base: base, event: &event, fields: &fields) {
                matched = root
                rest = end
                break
            }
        }
        guard matched >= 0 else { return }
        descend: while true {
            let next = rest < subject.count ? subject[rest] : nil
            for k in tables.children(of: tables.nodes[matched], firstByte: next).range {
                let child = Int(tables.children[k])
                if let end = tryDecoder(child, subject, from: rest, base: base, event: &event, fields: &fields) {
                    matched = child
                    rest = end
                    continue descend
                }
            }
            break
        }
        event.decoder = tables.nodes[matched].symbol
        event.decodedFields = FieldSpan(start: fieldStart, count: fields.count - fieldStart)
        counters.decoded &+= 1
        counters.matched[matched] &+= 1
    }

    /// The top-level decoders that apply to the event's program and format: a run of the tables' lists, or
    /// (`fromGlobs`) of ``globListStorage``.
    @inline(__always)
    private mutating func candidates(for event: Event, bytes: UnsafeRawBufferPointer) -> (ProgramIndex.ListRange, fromGlobs: Bool) {
        guard let app = event.app, app.upperBound <= bytes.count else { return (tables.defaultList(format: event.format), false) }
        let name = UnsafeRawBufferPointer(rebasing: bytes[app.range])
        if let exact = tables.exactList(for: name, format: event.format) { return (exact, false) }
        let index = tables.programIndex
        if index.globs.isEmpty { return (tables.defaultList(format: event.format), false) }
        let mask = index.globMask(of: name)
        if mask == 0 { return (tables.defaultList(format: event.format), false) }
        let key = mask << 2 | UInt64(event.format.rawValue)
        if let cached = globLists[key] { return (cached, true) }
        let list = index.candidates(globMask: mask, format: event.format)
        let range = ProgramIndex.ListRange(start: Int32(globListStorage.count), count: Int32(list.count))
        globListStorage += list
        globLists[key] = range
        return (range, true)
    }
}
