import VigilEvent
import VigilRegex

/// One worker's decoding state: PCRE2 match data (a ``RegexScratch``), buffers reused from batch to batch,
/// and its ``counters``. Not `Sendable`: each pipeline worker owns one and calls ``decode(_:)`` on every
/// batch after parsing. Its buffers and counts sit behind one reference: copies of a worker share them,
/// so give each thread its own `DecoderWorker(decoders:)`, never a copy.
public struct DecoderWorker {
    public let decoders: DecoderSet
    let tables: DecoderTables
    let scratch: RegexScratch
    /// PCRE2's output vector of ``scratch`` (stable: the match data is sized for every pattern at init).
    let ovector: UnsafePointer<Int>
    let state: WorkerState
    /// ``Symbol/syslogTag``, read once: tested per event.
    let syslogTag = Symbol.syslogTag

    /// This worker's counts since it was created (or since they were last set; setting them empties
    /// the shape table).
    public var counters: DecoderCounters {
        get { state.snapshot(names: decoders.storage.names) }
        set { state.restore(newValue) }
    }

    /// Whether this worker counts the shapes (program, first words) of events no message decoder took:
    /// no decoder matched, or only a program decoder (``DecoderCounters/unmatchedShapes``). Off by
    /// default: it costs a pass over a 64-entry table per such event. `vigil run` turns it on for
    /// `--log-level info` (or lower) and `--stats-json`.
    public var tracksUnmatchedShapes: Bool {
        get { state.shapes != nil }
        nonmutating set {
            if newValue && state.shapes == nil { state.shapes = ShapeTally() }
            if !newValue { state.shapes = nil }
        }
    }

    /// Events decoded since the worker was created (``DecoderCounters/decoded`` without assembling the
    /// per-decoder counts).
    public var decodedCount: UInt64 { state.decoded.pointee }

    public init(decoders: DecoderSet) {
        self.decoders = decoders
        self.tables = decoders.storage.tables
        self.scratch = RegexScratch(limits: decoders.storage.limits, capturePairs: tables.capturePairs)
        self.ovector = scratch.ovectorPointer
        self.state = WorkerState(
            decoderCount: decoders.storage.nodes.count, constantCount: decoders.storage.constants.count,
            fieldsPerEvent: tables.maxFieldsPerEvent, programIndex: tables.programIndex, programLevel: decoders.storage.programLevel)
    }

    /// Decodes every event of `batch`: sets ``Event/decoder`` and ``Event/decodedFields`` of the events a
    /// decoder matches, appending their fields to ``EventBatch/fields`` and any derived bytes (constants,
    /// normalized time stamps) to ``EventBatch/bytes``. Field values taken from the message are sub-ranges of
    /// it: nothing is copied.
    public mutating func decode(_ batch: inout EventBatch) {
        state.events.pointee &+= UInt64(batch.events.count)
        guard tables.nodes.count > 0 else { return }
        state.beginBatch(byteCount: batch.bytes.count)
        let fieldBase = batch.fields.count
        var events: [Event] = []
        swap(&events, &batch.events)
        // Read in place: a second reference to the fields would still be alive, as far as the compiler
        // is concerned, when they are appended to below, and make that append copy the whole array.
        batch.bytes.withUnsafeBytes { bytes in
            batch.fields.withUnsafeBufferPointer { fields in
                events.withUnsafeMutableBufferPointer { events in
                    for i in events.indices {
                        decodeEvent(&events[i], bytes: bytes, fields: fields, fieldBase: fieldBase)
                    }
                }
            }
        }
        swap(&events, &batch.events)
        if state.fieldCount > 0 {
            batch.fields.append(contentsOf: UnsafeBufferPointer(start: state.fields, count: state.fieldCount))
        }
        if !state.derived.isEmpty { batch.bytes.append(contentsOf: state.derived) }
    }

    @inline(__always)
    private mutating func decodeEvent(
        _ event: inout Event, bytes: UnsafeRawBufferPointer, fields: UnsafeBufferPointer<Field>, fieldBase: Int
    ) {
        let subjectRange = event.message ?? event.raw
        guard subjectRange.upperBound <= bytes.count, let base = bytes.baseAddress else { return }
        let subject = Subject(
            bytes: (base + subjectRange.lowerBound).assumingMemoryBound(to: UInt8.self), count: subjectRange.count,
            offset: subjectRange.lowerBound)
        let (lists, list) = candidates(for: event, bytes: bytes, fields: fields)
        state.reserveFields(tables.maxFieldsPerEvent)
        let fieldStart = state.fieldCount
        var matched = -1
        var rest = 0
        let nodes = tables.nodes.baseAddress.unsafelyUnwrapped
        let first = subject.count > 0 ? Int16(subject.bytes[0]) : -2
        for k in Int(list.start)..<Int(list.start &+ list.count) {
            let root = Int(lists[k])
            let gate = nodes[root].gate
            if gate >= 0 && gate != first { continue }
            let end = tryDecoder(root, subject, from: 0, event: &event)
            if end >= 0 {
                matched = root
                rest = end
                break
            }
        }
        guard matched >= 0 else {
            if let shapes = state.shapes { tally(event, bytes: bytes, subject: subject, into: shapes) }
            return
        }
        descend: while true {
            let next = rest < subject.count ? subject.bytes[rest] : nil
            let children = tables.children(of: nodes[matched], firstByte: next)
            let nextGate = next.map(Int16.init) ?? -2
            var k = Int(children.start)
            let end = k &+ Int(children.count)
            while k < end {
                let child = Int(tables.children[k])
                let gate = nodes[child].gate
                if gate >= 0 && gate != nextGate {
                    k &+= 1
                    continue
                }
                let childEnd = tryDecoder(child, subject, from: rest, event: &event)
                if childEnd >= 0 {
                    matched = child
                    rest = childEnd
                    continue descend
                }
                k &+= 1
            }
            break
        }
        event.decoder = nodes[matched].symbol
        event.decodedFields = FieldSpan(start: fieldBase &+ fieldStart, count: state.fieldCount &- fieldStart)
        state.decoded.pointee &+= 1
        state.matched[matched] &+= 1
        if nodes[matched].isProgramLevel, let shapes = state.shapes { tally(event, bytes: bytes, subject: subject, into: shapes) }
    }

    /// Counts the shape of an event no message decoder took (kept out of line: the common path never
    /// calls it).
    @inline(never)
    private func tally(_ event: Event, bytes: UnsafeRawBufferPointer, subject: Subject, into shapes: ShapeTally) {
        var program = UnsafeRawBufferPointer(start: nil, count: 0)
        if let app = event.app, app.upperBound <= bytes.count { program = UnsafeRawBufferPointer(rebasing: bytes[app.range]) }
        shapes.add(program: program, message: UnsafeRawBufferPointer(start: subject.bytes, count: subject.count))
    }

    /// The top-level decoders that apply to the event's program and format: a run of `lists`.
    @inline(__always)
    private mutating func candidates(
        for event: Event, bytes: UnsafeRawBufferPointer, fields: UnsafeBufferPointer<Field>
    ) -> (UnsafePointer<Int32>, ProgramIndex.ListRange) {
        let shared = tables.lists.baseAddress.unsafelyUnwrapped
        guard let app = event.app, app.upperBound <= bytes.count else { return (shared, tables.defaultList(format: event.format)) }
        let name = UnsafeRawBufferPointer(rebasing: bytes[app.range])
        // `sshd(pam_unix)[PID]:`: the parser made `sshd` the app and put the whole tag first among the
        // event's fields; decoders for `sshd` and for `*(pam_unix)` both apply.
        if event.format == .rfc3164, event.fields.count > 0, Int(event.fields.start) < fields.count,
            fields[Int(event.fields.start)].name == syslogTag
        {
            let tagRange = fields[Int(event.fields.start)].value
            if tagRange.upperBound <= bytes.count {
                let tag = UnsafeRawBufferPointer(rebasing: bytes[tagRange.range])
                let range = state.programs.candidates(tag: tag, program: name, hash: ProgramIndex.hash(tag), format: event.format)
                return (UnsafePointer(state.programs.lists), range)
            }
        }
        let hash = ProgramIndex.hash(name)
        if let exact = tables.exactList(for: name, hash: hash, format: event.format) { return (shared, exact) }
        if tables.programIndex.globs.isEmpty { return (shared, tables.defaultList(format: event.format)) }
        let range = state.programs.candidates(for: name, hash: hash, format: event.format)
        return (UnsafePointer(state.programs.lists), range)
    }
}

/// The text a decoder tree runs on: an event's message, and where it starts in the batch's bytes.
struct Subject {
    var bytes: UnsafePointer<UInt8>
    var count: Int
    /// Offset of ``bytes`` in the batch.
    var offset: Int
}
