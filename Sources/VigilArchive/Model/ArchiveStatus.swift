import VigilEvent

/// What the writer did so far. Read with ``ArchiveWriter/counters``.
public struct ArchiveCounters: Sendable, Hashable {
    public var messages: UInt64 = 0
    public var batches: UInt64 = 0
    /// Bytes of message text taken.
    public var rawBytes: UInt64 = 0
    /// Bytes written to segment files for blocks (headers included).
    public var compressedBytes: UInt64 = 0
    public var blocksWritten: UInt64 = 0
    public var segmentsSealed: UInt64 = 0
    /// Time ``ArchiveWriter/append(_:)-(ArchiveBatch)`` spent waiting for room in the queue: backpressure.
    public var waitedNanoseconds: UInt64 = 0
    /// Failed writes (a full disk, an I/O error) retried after a second.
    public var fullDiskWaits: UInt64 = 0
    /// Blocks written because the flush interval passed, not because they were full.
    public var flushes: UInt64 = 0
    public var segmentsDeleted: UInt64 = 0

    public init() {}
}

/// What opening the archive found: the torn end of a segment a crash left, cut off.
public struct ArchiveRecovery: Sendable, Hashable {
    /// The file name of the segment whose end was cut (nil: nothing was cut).
    public var segment: String?
    /// Blocks cut off (a partly written block counts as one).
    public var tornBlocks: Int = 0
    /// Messages the cut blocks held, from their headers; nil when a cut header was not readable.
    public var eventsLost: Int? = 0
    /// Bytes cut off the file.
    public var bytesCut: Int = 0
    /// Unsealed segments that were sealed at open (a crash left them open).
    public var segmentsSealed: Int = 0

    public init() {}

    /// Nothing was cut.
    public var isClean: Bool { tornBlocks == 0 && bytesCut == 0 }
}

/// One block of a segment, from its header (or the footer's copy of it).
public struct ArchiveBlockInfo: Sendable, Hashable {
    /// Byte offset of the block header in the segment file.
    public var offset: Int
    public var compressedLength: Int
    public var rawLength: Int
    public var messageCount: Int
    public var recordCount: Int
    /// Archive sequence of the block's first message.
    public var firstSequence: UInt64
    /// Over the messages that have an event time; ``Timestamp/distantPast`` when none has.
    public var minEventTime: Timestamp
    public var maxEventTime: Timestamp
    /// Over the block's messages and batch headers; ``Timestamp/distantPast`` when it has none.
    public var minReceiveTime: Timestamp
    public var maxReceiveTime: Timestamp

    public init(
        offset: Int, compressedLength: Int, rawLength: Int, messageCount: Int, recordCount: Int, firstSequence: UInt64,
        minEventTime: Timestamp, maxEventTime: Timestamp, minReceiveTime: Timestamp, maxReceiveTime: Timestamp
    ) {
        self.offset = offset
        self.compressedLength = compressedLength
        self.rawLength = rawLength
        self.messageCount = messageCount
        self.recordCount = recordCount
        self.firstSequence = firstSequence
        self.minEventTime = minEventTime
        self.maxEventTime = maxEventTime
        self.minReceiveTime = minReceiveTime
        self.maxReceiveTime = maxReceiveTime
    }
}

/// One segment file of the archive.
public struct ArchiveSegmentInfo: Sendable, Hashable {
    public var number: Int
    public var path: String
    /// It has a footer (the writer has finished with it).
    public var sealed: Bool
    public var size: Int
    public var blocks: [ArchiveBlockInfo]
    /// Why the block list may be incomplete: a scan of an unsealed segment stopped at a header it could
    /// not read (normal at the end of a segment being written), or the footer was damaged.
    public var damage: String?
}
