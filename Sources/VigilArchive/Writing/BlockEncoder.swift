import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Record tags of a block payload (docs/archive.md). A message's tag has the high bit set and carries
/// what follows in its low bits.
enum RecordTag {
    static let runStart: UInt8 = 0x01
    static let batch: UInt8 = 0x02
    static let tick: UInt8 = 0x03
    static let sourceEnd: UInt8 = 0x04
    static let message: UInt8 = 0x80
    /// Source, source sequence and receive time follow: they are not what the running state predicts.
    static let messageContext: UInt8 = 0x01
    static let messageHasEventTime: UInt8 = 0x02
    /// The event-time delta is in whole seconds (syslog stamps: one byte instead of five).
    static let messageSecondsDelta: UInt8 = 0x04
    /// Precision, flags and bytes cut follow (otherwise: the previous precision, no flags, none cut).
    static let messageExtras: UInt8 = 0x08
    /// The text holds a line feed: its length is in the record (otherwise the text ends at the next line
    /// feed of the text stream).
    static let messageLengthPrefixed: UInt8 = 0x10
    /// Two bits: 0, the event-time delta follows; 1 to 3, it is 0 to 2 whole seconds (most syslog lines:
    /// the whole record is its tag).
    static let messageSmallDeltaShift: UInt8 = 5
    static let messageSmallDeltaMask: UInt8 = 0x60
}

/// Builds one block's payload on the writer thread: records in a compact encoding relative to running
/// state that starts fresh in every block, so a block decodes alone; and what the block header and the
/// sidecar index need (counts, time ranges, token hashes).
///
/// Message text goes to a stream of its own after the records, each text ended by a line feed (a text
/// that holds one has its length in its record instead): lines next to lines give LZ4 longer matches
/// than lines broken up by their metadata, and no length byte is needed. Measured on 200,000
/// gen-authlog lines: interleaved with varint lengths 0.264 of the raw bytes, split 0.259, split and
/// line-ended 0.246.
struct BlockEncoder {
    private(set) var payload = ByteSink()
    private(set) var texts = ByteSink()
    private(set) var messageCount = 0
    private(set) var recordCount = 0
    private(set) var firstSequence: UInt64
    private(set) var nextSequence: UInt64
    private(set) var minEventTime = Int64.max
    private(set) var maxEventTime = Int64.min
    private(set) var minReceiveTime = Int64.max
    private(set) var maxReceiveTime = Int64.min
    /// Hashes of the distinct tokens of the block's messages, for its Bloom filter.
    private(set) var tokenHashes = TokenHashSet()

    // Running state, the same as the decoder keeps.
    private var hasContext = false
    private var source: UInt32 = 0
    private var sourceSequence: UInt64 = 0
    private var receiveTime: Int64 = 0
    private var previousEventTime: Int64 = 0
    private var precision: UInt8 = 0

    init(nextSequence: UInt64, capacity: Int, hashCapacity: Int = 1024) {
        firstSequence = nextSequence
        self.nextSequence = nextSequence
        payload = ByteSink(capacity: capacity / 8)
        texts = ByteSink(capacity: capacity)
        tokenHashes = TokenHashSet(capacity: hashCapacity)
    }

    /// Stands in for the encoder while the writer works on it in a local variable.
    static let placeholder = BlockEncoder(nextSequence: 0, capacity: 0, hashCapacity: 0)

    var isEmpty: Bool { recordCount == 0 }
    /// Bytes of the block's payload so far (what ``blockBytes()`` will hold, but for its length prefix).
    var rawLength: Int { payload.bytes.count + texts.bytes.count }

    /// The payload as compressed: the length of the records, the records, the message texts.
    func blockBytes() -> [UInt8] {
        var sink = ByteSink(capacity: rawLength + 10)
        sink.varint(UInt64(payload.bytes.count))
        sink.bytes.append(contentsOf: payload.bytes)
        sink.bytes.append(contentsOf: texts.bytes)
        return sink.bytes
    }

    /// Appends every message of `batch` (its header is the caller's), calling `blockFull` whenever the
    /// block reaches `blockSize` raw bytes: it writes the block and leaves a fresh encoder in its place.
    /// Returns the bytes of the messages.
    mutating func appendMessages(
        of batch: borrowing ArchiveBatch, blockSize: Int, blockFull: (inout BlockEncoder) -> Void
    ) -> UInt64 {
        var rawBytes: UInt64 = 0
        let receiveTime = batch.receiveTime.nanoseconds
        batch.bytes.withUnsafeBytes { buffer in
            for (i, message) in batch.messages.enumerated() {
                // A range outside the buffer is clamped rather than trusted.
                let lower = min(message.range.lowerBound, buffer.count)
                let upper = min(max(message.range.upperBound, lower), buffer.count)
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[lower..<upper])
                appendMessage(
                    source: batch.source, sourceSequence: batch.firstSequence &+ UInt64(i), receiveTime: receiveTime, message: message,
                    bytes: bytes)
                rawBytes += UInt64(bytes.count)
                if rawLength >= blockSize { blockFull(&self) }
            }
        }
        return rawBytes
    }

    /// Starts the next block after this one was written.
    mutating func reset() {
        let capacity = texts.bytes.capacity
        var hashes = tokenHashes
        tokenHashes = TokenHashSet(capacity: 0)
        hashes.removeAll()
        self = BlockEncoder(nextSequence: nextSequence, capacity: capacity, hashCapacity: 0)
        tokenHashes = hashes
    }

    private mutating func noteReceive(_ time: Int64) {
        minReceiveTime = min(minReceiveTime, time)
        maxReceiveTime = max(maxReceiveTime, time)
    }

    mutating func appendBatchHeader(_ batch: borrowing ArchiveBatch, messageCount count: Int) {
        payload.u8(RecordTag.batch)
        payload.varint(UInt64(batch.source))
        payload.string(batch.sourceName)
        payload.varint(batch.firstSequence)
        payload.zigzag(batch.receiveTime.nanoseconds)
        let clock = batch.clock
        var bits: UInt8 = 0
        if clock.isLive { bits |= 1 }
        if clock.isListener { bits |= 2 }
        if clock.yearReference != nil { bits |= 4 }
        if clock.timeZone != nil { bits |= 8 }
        payload.u8(bits)
        if let year = clock.yearReference { payload.zigzag(year.nanoseconds) }
        if let zone = clock.timeZone { payload.string(zone) }
        payload.varint(UInt64(count))
        recordCount += 1
        noteReceive(batch.receiveTime.nanoseconds)
        hasContext = true
        source = batch.source
        sourceSequence = batch.firstSequence
        receiveTime = batch.receiveTime.nanoseconds
    }

    mutating func appendMessage(
        source messageSource: UInt32, sourceSequence messageSequence: UInt64, receiveTime receive: Int64, message: ArchiveMessage,
        bytes: UnsafeRawBufferPointer
    ) {
        var tag = RecordTag.message
        let needsContext = !hasContext || messageSource != source || messageSequence != sourceSequence || receive != receiveTime
        if needsContext { tag |= RecordTag.messageContext }
        let event = message.eventTime.nanoseconds
        let hasEvent = message.eventTime != .distantPast
        var delta: Int64 = 0
        if hasEvent {
            tag |= RecordTag.messageHasEventTime
            let (difference, overflow) = event.subtractingReportingOverflow(previousEventTime)
            // An overflowing difference wraps; the decoder's wrapping add undoes it exactly.
            delta = difference
            if !overflow && difference % 1_000_000_000 == 0 {
                tag |= RecordTag.messageSecondsDelta
                delta = difference / 1_000_000_000
                if (0...2).contains(delta) { tag |= UInt8(delta + 1) << RecordTag.messageSmallDeltaShift }
            }
        }
        let hasExtras = message.precision != precision || message.flags.rawValue != 0 || message.bytesCut != 0
        if hasExtras { tag |= RecordTag.messageExtras }
        // memchr, not `contains`: measured in a release build, the generic loop ran at ~1.1 GB/s (a sixth
        // of the writer's time once tokenizing got faster), memchr at ~16 GB/s.
        let lengthPrefixed = bytes.baseAddress.map { memchr($0, Int32(UInt8(ascii: "\n")), bytes.count) != nil } ?? false
        if lengthPrefixed { tag |= RecordTag.messageLengthPrefixed }
        payload.u8(tag)
        if needsContext {
            payload.varint(UInt64(messageSource))
            payload.varint(messageSequence)
            payload.zigzag(receive)
        }
        if hasEvent && tag & RecordTag.messageSmallDeltaMask == 0 { payload.zigzag(delta) }
        if hasExtras {
            payload.u8(message.precision)
            payload.u8(message.flags.rawValue)
            payload.varint(UInt64(message.bytesCut))
        }
        texts.append(bytes)
        if lengthPrefixed { payload.varint(UInt64(bytes.count)) } else { texts.u8(UInt8(ascii: "\n")) }

        recordCount += 1
        messageCount += 1
        nextSequence += 1
        hasContext = true
        source = messageSource
        sourceSequence = messageSequence &+ 1
        receiveTime = receive
        if hasEvent {
            previousEventTime = event
            minEventTime = min(minEventTime, event)
            maxEventTime = max(maxEventTime, event)
        }
        precision = message.precision
        noteReceive(receive)
        tokenHashes.insertTokens(of: bytes)
    }

    mutating func appendControl(_ record: ArchiveControlRecord) {
        switch record {
        case .runStart(let start):
            payload.u8(RecordTag.runStart)
            payload.u64(start.run)
            payload.zigzag(start.wallTime.nanoseconds)
            payload.varint(UInt64(start.expectedSources.count))
            for expected in start.expectedSources {
                payload.varint(UInt64(expected.source))
                payload.string(expected.name)
            }
        case .tick(let time):
            payload.u8(RecordTag.tick)
            payload.zigzag(time.nanoseconds)
        case .sourceEnd(let ended):
            payload.u8(RecordTag.sourceEnd)
            payload.varint(UInt64(ended))
        }
        recordCount += 1
    }

    /// The block's header for its compressed bytes.
    func header(compressed: [UInt8], rawLength: Int) -> BlockHeader {
        BlockHeader(
            compressedLength: UInt32(compressed.count), rawLength: UInt32(rawLength), messageCount: UInt32(messageCount),
            recordCount: UInt32(recordCount), firstSequence: firstSequence,
            minEventTime: minEventTime == .max ? Timestamp.distantPast.nanoseconds : minEventTime,
            maxEventTime: maxEventTime == .min ? Timestamp.distantPast.nanoseconds : maxEventTime,
            minReceiveTime: minReceiveTime == .max ? Timestamp.distantPast.nanoseconds : minReceiveTime,
            maxReceiveTime: maxReceiveTime == .min ? Timestamp.distantPast.nanoseconds : maxReceiveTime,
            dataCRC: archiveCRC32(compressed))
    }
}
