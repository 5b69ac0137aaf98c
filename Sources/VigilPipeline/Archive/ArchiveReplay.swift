import Logging
import VigilArchive
import VigilEvent
import VigilIngest

/// `vigil replay`: feeds an archive's batches to the pipeline as the live run took them: the same
/// batch boundaries, sources, sequence numbers, receive times and source clocks (a file's year
/// reference, a listener's zone), the same source ends. With the live run's rules and options the
/// alerts are the live run's (same ids; `detected_at` aside).
///
/// Source ids are the recorded ones, renumbered per run the archive holds (each run numbered its
/// sources from 0).
public struct ArchiveReplaySource: RecordedBatchFeed {
    public let directory: String
    /// Only messages with event times in [from, to) are fed (their batches keep their boundaries).
    public let from: Timestamp?
    public let to: Timestamp?

    public var name: String { directory }

    public init(directory: String, from: Timestamp? = nil, to: Timestamp? = nil) {
        self.directory = directory
        self.from = from
        self.to = to
    }

    /// The first run's expected sources, read before the pipeline starts (the watermark waits for them).
    public func expectedSources() throws -> [UInt32] {
        let reader = try ArchiveReader(directory: directory)
        var expected: [UInt32] = []
        struct Found: Error {}
        do {
            try reader.forEachRecord(damaged: { _ in }) { record in
                switch record {
                case .runStart(let start):
                    expected = start.expectedSources.map(\.source)
                    throw Found()
                case .batch, .message: throw Found()
                default: break
                }
            }
        } catch is Found {}
        return expected
    }

    public func forEachRecord(damaged: (any Error) -> Void, _ body: (ArchiveRecord) throws -> Void) throws {
        try ArchiveReader(directory: directory).forEachRecord(damaged: damaged, body)
    }
}

/// Recorded batches (an archive, a cluster's raw stream), read in order.
public protocol RecordedBatchFeed: Sendable {
    /// What the feed is, for messages (a directory, a stream).
    var name: String { get }
    /// Only messages with event times in [from, to) are fed (their batches keep their boundaries).
    var from: Timestamp? { get }
    var to: Timestamp? { get }
    /// The first run's expected sources, read before the pipeline starts (the watermark waits for them).
    func expectedSources() throws -> [UInt32]
    /// Every record in order, until the feed ends; damaged parts go to `damaged` and are skipped.
    func forEachRecord(damaged: (any Error) -> Void, _ body: (ArchiveRecord) throws -> Void) throws
}

/// Turns recorded records back into the batches and source ends a live run had: the same batch
/// boundaries, sources, sequence numbers, receive times and source clocks, the same source ends.
enum RecordedBatchReplayer {
    /// Reads the feed in order and submits its batches; `roster` is told each source end, in place.
    static func run(
        _ feed: some RecordedBatchFeed, into sink: some BatchSink, roster: SourceRoster, submitted: @escaping () -> UInt64, logger: Logger
    ) throws {
        let from = feed.from, to = feed.to
        var runs = 0
        var ids: [UInt32: SourceID] = [:]
        var next: UInt32 = 0
        func id(_ recorded: UInt32) -> SourceID {
            if let known = ids[recorded] { return known }
            let fresh = SourceID(next)
            next += 1
            ids[recorded] = fresh
            return fresh
        }
        var header: ArchiveBatchHeader? = nil
        var bytes: [UInt8] = []
        var ranges: [ByteRange] = []
        var failures: [(index: Int, failure: ParseFailure)] = []
        var firstSequence: UInt64 = 0
        func submitBatch(keepingHeader: Bool = false) {
            guard let batch = header, !ranges.isEmpty else {
                if !keepingHeader { header = nil }
                return
            }
            var raw = RawBatch(
                source: id(batch.source), firstSequence: firstSequence, receiveTime: batch.receiveTime, bytes: bytes, messages: ranges,
                framingFailures: failures)
            raw.clock = batch.clock
            sink.submit(raw)
            if !keepingHeader { header = nil }
            bytes = []
            ranges = []
            failures = []
        }
        try feed.forEachRecord(damaged: { error in logger.error("replay \(feed.name): \(error); its messages are skipped") }) { record in
            switch record {
            case .runStart(let start):
                submitBatch()
                runs += 1
                if runs > 1 {
                    // A later run of the same archive: its source numbers start over.
                    ids = [:]
                    for source in start.expectedSources { roster.expect(id(source.source)) }
                } else {
                    for source in start.expectedSources { _ = id(source.source) }
                }
            case .batch(let batch):
                submitBatch()
                header = batch
                firstSequence = batch.firstSequence
            case .message(let message):
                if let from, message.eventTime < from { return }
                if let to, message.eventTime >= to { return }
                if header == nil {
                    // A batch whose header is in a damaged block: its surviving messages make a batch of their own.
                    header = ArchiveBatchHeader(
                        source: message.source, sourceName: "", firstSequence: message.sourceSequence, receiveTime: message.receiveTime,
                        clock: SourceClock(), messageCount: 0)
                }
                // Messages left out by the time range split the batch: sequence numbers stay dense within one.
                if !ranges.isEmpty && message.sourceSequence != firstSequence &+ UInt64(ranges.count) { submitBatch(keepingHeader: true) }
                if ranges.isEmpty { firstSequence = message.sourceSequence }
                let start = bytes.count
                bytes.append(contentsOf: message.bytes)
                if message.flags.contains(.cut) { failures.append((ranges.count, ParseFailure(.oversizeMessage, at: message.bytes.count))) }
                ranges.append(ByteRange(start: start, end: bytes.count))
            case .tick:
                break
            case .sourceEnd(let source):
                submitBatch()
                roster.end(id(source), beforeTicket: submitted())
            }
        }
        submitBatch()
    }
}
