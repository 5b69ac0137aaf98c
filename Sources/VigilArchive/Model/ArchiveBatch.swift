import VigilEvent

/// One input batch as the pipeline received it, after framing: the unit the archive writes and a replay
/// repeats (its boundaries are part of what makes a replay equal the live run).
public struct ArchiveBatch: Sendable {
    /// The run's `SourceID` raw value.
    public var source: UInt32
    /// What the source is: `stdin`, a path, a listener and peer.
    public var sourceName: String
    /// The source's sequence number of `messages[0]`; message `i` has `firstSequence + i`.
    public var firstSequence: UInt64
    public var receiveTime: Timestamp
    public var clock: SourceClock
    /// A buffer that holds the messages (it may hold other bytes too: it is the parsed batch's, moved).
    public var bytes: [UInt8]
    public var messages: [ArchiveMessage]

    public init(
        source: UInt32, sourceName: String, firstSequence: UInt64, receiveTime: Timestamp, clock: SourceClock, bytes: [UInt8],
        messages: [ArchiveMessage]
    ) {
        self.source = source
        self.sourceName = sourceName
        self.firstSequence = firstSequence
        self.receiveTime = receiveTime
        self.clock = clock
        self.bytes = bytes
        self.messages = messages
    }
}

/// One message of an ``ArchiveBatch``.
public struct ArchiveMessage: Sendable {
    /// What vigil knew about a message when it archived it.
    public struct Flags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// It did not parse in its format (kept raw, with a parse failure).
        public static let malformed = Flags(rawValue: 1 << 0)
        /// It was longer than the maximum message size and was cut to it.
        public static let cut = Flags(rawValue: 1 << 1)
        /// It had no time of its own: its event time is the time it took (the message before it, or its
        /// receive time).
        public static let timeNotOwn = Flags(rawValue: 1 << 2)
    }

    /// The message's bytes in ``ArchiveBatch/bytes``, exactly as received after framing.
    public var range: ByteRange
    /// Its event time (``Timestamp/distantPast`` when it has none).
    public var eventTime: Timestamp
    /// Digits of fraction the event time was given with.
    public var precision: UInt8
    public var flags: Flags
    /// Bytes cut off an oversize message (0 when none, or not known).
    public var bytesCut: UInt32

    public init(range: ByteRange, eventTime: Timestamp, precision: UInt8, flags: Flags = [], bytesCut: UInt32 = 0) {
        self.range = range
        self.eventTime = eventTime
        self.precision = precision
        self.flags = flags
        self.bytesCut = bytesCut
    }
}

/// Records that are not messages: what a replay needs besides the batches to repeat the run's steps.
public enum ArchiveControlRecord: Sendable, Hashable {
    /// A run began appending to the archive.
    case runStart(ArchiveRunStart)
    /// The pipeline's collector was idle and moved event-time progress with the wall clock (live runs).
    case tick(Timestamp)
    /// A finite source (a file, stdin) delivered its last batch.
    case sourceEnd(source: UInt32)
}

/// The start of a run: which sources it expected from the start (files and stdin).
public struct ArchiveRunStart: Sendable, Hashable {
    /// A random number chosen when the run started.
    public var run: UInt64
    public var wallTime: Timestamp
    public var expectedSources: [ExpectedSource]

    public struct ExpectedSource: Sendable, Hashable {
        public var source: UInt32
        public var name: String
        public init(source: UInt32, name: String) {
            self.source = source
            self.name = name
        }
    }

    public init(run: UInt64, wallTime: Timestamp, expectedSources: [ExpectedSource]) {
        self.run = run
        self.wallTime = wallTime
        self.expectedSources = expectedSources
    }
}

/// The header of an archived batch, as a reader gets it back (its messages follow it).
public struct ArchiveBatchHeader: Sendable, Hashable {
    public var source: UInt32
    public var sourceName: String
    public var firstSequence: UInt64
    public var receiveTime: Timestamp
    public var clock: SourceClock
    public var messageCount: Int

    public init(source: UInt32, sourceName: String, firstSequence: UInt64, receiveTime: Timestamp, clock: SourceClock, messageCount: Int) {
        self.source = source
        self.sourceName = sourceName
        self.firstSequence = firstSequence
        self.receiveTime = receiveTime
        self.clock = clock
        self.messageCount = messageCount
    }
}

/// Where an archived message is: segment number, block within the segment, and its archive sequence (a
/// dense count of every message the archive ever took, from 0). Written `SEGMENT:BLOCK:SEQUENCE`.
public struct ArchiveReference: Sendable, Hashable, CustomStringConvertible {
    public var segment: Int
    public var block: Int
    public var sequence: UInt64

    public init(segment: Int, block: Int, sequence: UInt64) {
        self.segment = segment
        self.block = block
        self.sequence = sequence
    }

    /// Reads `SEGMENT:BLOCK:SEQUENCE`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let segment = Int(parts[0]), let block = Int(parts[1]), let sequence = UInt64(parts[2]),
            segment >= 0, block >= 0
        else { return nil }
        self.init(segment: segment, block: block, sequence: sequence)
    }

    public var description: String { "\(segment):\(block):\(sequence)" }
}

/// A message read back from the archive.
public struct ArchivedMessage: Sendable {
    public var reference: ArchiveReference
    public var source: UInt32
    public var sourceSequence: UInt64
    public var receiveTime: Timestamp
    public var eventTime: Timestamp
    public var precision: UInt8
    public var flags: ArchiveMessage.Flags
    public var bytesCut: UInt32
    public var bytes: [UInt8]

    public init(
        reference: ArchiveReference, source: UInt32, sourceSequence: UInt64, receiveTime: Timestamp, eventTime: Timestamp, precision: UInt8,
        flags: ArchiveMessage.Flags, bytesCut: UInt32, bytes: [UInt8]
    ) {
        self.reference = reference
        self.source = source
        self.sourceSequence = sourceSequence
        self.receiveTime = receiveTime
        self.eventTime = eventTime
        self.precision = precision
        self.flags = flags
        self.bytesCut = bytesCut
        self.bytes = bytes
    }
}

/// A record read back, in archive order.
public enum ArchiveRecord: Sendable {
    case runStart(ArchiveRunStart)
    case batch(ArchiveBatchHeader)
    case message(ArchivedMessage)
    case tick(Timestamp)
    case sourceEnd(source: UInt32)
}
