import VigilEvent

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
    static let messageKnownBits: UInt8 = 0x8f
}

/// Builds one block's payload on the writer thread: records in a compact encoding relative to running
/// state that starts fresh in every block, so a block decodes alone; and what the block header and the
/// sidecar index need (counts, time ranges, token hashes).
struct BlockEncoder {
    private(set) var payload = ByteSink()
    private(set) var messageCount = 0
    private(set) var recordCount = 0
    private(set) var firstSequence: UInt64
    private(set) var nextSequence: UInt64
    private(set) var minEventTime = Int64.max
    private(set) var maxEventTime = Int64.min
    private(set) var minReceiveTime = Int64.max
    private(set) var maxReceiveTime = Int64.min
    /// Hashes of the distinct tokens of the block's messages, for its Bloom filter.
    private(set) var tokenHashes = Set<UInt64>()

    // Running state, the same as the decoder keeps.
    private var hasContext = false
    private var source: UInt32 = 0
    private var sourceSequence: UInt64 = 0
    private var receiveTime: Int64 = 0
    private var previousEventTime: Int64 = 0
    private var precision: UInt8 = 0

    init(nextSequence: UInt64, capacity: Int) {
        firstSequence = nextSequence
        self.nextSequence = nextSequence
        payload = ByteSink(capacity: capacity)
    }

    var isEmpty: Bool { recordCount == 0 }
    var rawLength: Int { payload.bytes.count }

    /// Starts the next block after this one was written.
    mutating func reset() {
        let capacity = payload.bytes.capacity
        self = BlockEncoder(nextSequence: nextSequence, capacity: capacity)
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
            }
        }
        let hasExtras = message.precision != precision || message.flags.rawValue != 0 || message.bytesCut != 0
        if hasExtras { tag |= RecordTag.messageExtras }
        payload.u8(tag)
        if needsContext {
            payload.varint(UInt64(messageSource))
            payload.varint(messageSequence)
            payload.zigzag(receive)
        }
        if hasEvent { payload.zigzag(delta) }
        if hasExtras {
            payload.u8(message.precision)
            payload.u8(message.flags.rawValue)
            payload.varint(UInt64(message.bytesCut))
        }
        payload.varint(UInt64(bytes.count))
        payload.append(bytes)

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
        ArchiveTokens.forEach(in: bytes) { tokenHashes.insert(ArchiveTokenHash.hash($0)) }
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
    func header(compressed: [UInt8]) -> BlockHeader {
        BlockHeader(
            compressedLength: UInt32(compressed.count), rawLength: UInt32(payload.bytes.count), messageCount: UInt32(messageCount),
            recordCount: UInt32(recordCount), firstSequence: firstSequence,
            minEventTime: minEventTime == .max ? Timestamp.distantPast.nanoseconds : minEventTime,
            maxEventTime: maxEventTime == .min ? Timestamp.distantPast.nanoseconds : maxEventTime,
            minReceiveTime: minReceiveTime == .max ? Timestamp.distantPast.nanoseconds : minReceiveTime,
            maxReceiveTime: maxReceiveTime == .min ? Timestamp.distantPast.nanoseconds : maxReceiveTime,
            dataCRC: archiveCRC32(compressed))
    }
}
