import Logging
import VigilArchive
import VigilEvent
import VigilIngest

/// Hands every message the run received, as it was framed, to the archive (`--archive`), in input
/// order: an ordered stage right after event times, so that each message goes with the time the run
/// gave it.
///
/// The stage only builds the batch's message list and moves the batch's buffer (no copy of the
/// messages); encoding, compression, checksums and writing happen on the writer's own thread. When the
/// writer falls behind, its bounded queue makes ``consume(_:)`` wait: the collector stops taking
/// results, the ring fills and the readers wait (files, pipes, TCP) or UDP drops and counts.
///
/// Besides the batches it records what a replay needs to repeat the run's steps: which sources the run
/// expected, where each finite source ended, and (live runs) the idle ticks that moved event time
/// with the wall clock.
struct ArchiveStage: OrderedStage {
    let name = "archive"
    private(set) var counters = StageCounters(stage: "archive")
    private let writer: any ArchiveRecordSink
    private let roster: SourceRoster
    private let names: @Sendable (SourceID) -> String
    private let recordsTicks: Bool
    /// Ends of the roster's history already recorded.
    private var endsRecorded = 0
    private var pendingEnds: [(source: SourceID, beforeTicket: UInt64)] = []
    /// The archive sequence the next message gets (the writer numbers messages densely as appended).
    private var nextSequence: UInt64

    init(writer: any ArchiveRecordSink, roster: SourceRoster, names: @escaping @Sendable (SourceID) -> String, live: Bool) {
        self.writer = writer
        self.roster = roster
        self.names = names
        self.recordsTicks = live
        self.nextSequence = writer.firstSequence
        let expected = roster.expected.map { ArchiveRunStart.ExpectedSource(source: $0.rawValue, name: names($0)) }
        writer.append(
            .runStart(ArchiveRunStart(run: UInt64.random(in: 0...UInt64.max), wallTime: WallClock.now(), expectedSources: expected)))
    }

    mutating func consume(_ result: inout BatchResult) throws {
        if let batch = result.events {
            result.events = nil
            counters.received &+= UInt64(batch.events.count)
            var messages: [ArchiveMessage] = []
            messages.reserveCapacity(batch.events.count)
            let pending = result.pendingTime
            for event in batch.events {
                var flags: ArchiveMessage.Flags = []
                // How many bytes the framer cut off is counted per input, not per message: 0 here.
                if let failure = event.parseFailure {
                    switch failure.reason {
                    case .oversizeMessage: flags.insert(.cut)
                    case .invalidCEEPayload: break
                    default: flags.insert(.malformed)
                    }
                }
                var time = event.time, precision = event.timePrecision
                if !event.timeSource.isOwn { flags.insert(.timeNotOwn) }
                if event.timeSource == .pending, let pending {
                    time = pending.time
                    precision = pending.precision
                }
                messages.append(ArchiveMessage(range: event.raw, eventTime: time, precision: precision, flags: flags))
            }
            writer.append(
                ArchiveBatch(
                    source: result.source.rawValue, sourceName: names(result.source), firstSequence: result.firstSequence,
                    receiveTime: result.receiveTime, clock: batch.clock, bytes: batch.bytes, messages: messages))
            counters.emitted &+= UInt64(messages.count)
            result.archiveFirstSequence = nextSequence
            nextSequence &+= UInt64(messages.count)
        }
        recordEnds(before: result.ticket + 1)
    }

    mutating func idle(now: Timestamp) throws {
        if recordsTicks { writer.append(.tick(now)) }
    }

    mutating func finish() throws {
        recordEnds(before: .max)
        try writer.finish()
    }

    /// Records the ends of sources that delivered their last batch before `ticket`, as the event-time
    /// progress takes them (``SourceProgress``): after the batch before that ticket.
    private mutating func recordEnds(before ticket: UInt64) {
        let new = roster.endHistory(skipping: endsRecorded)
        endsRecorded += new.count
        pendingEnds.append(contentsOf: new)
        guard !pendingEnds.isEmpty else { return }
        pendingEnds.removeAll { end in
            guard end.beforeTicket <= ticket else { return false }
            writer.append(.sourceEnd(source: end.source.rawValue))
            return true
        }
    }
}
