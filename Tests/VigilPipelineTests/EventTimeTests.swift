import Testing
import VigilCorrelate
import VigilEvent
import VigilIngest

@testable import VigilPipeline

/// Issue 11's event-time rules in the pipeline: what the worker settles (``EventTimeStage``) and what
/// the ordered side makes of it (``SourceProgress``).
@Suite struct EventTimeTests {
    static let day = Timestamp(CivilTime(year: 2015, month: 3, day: 1, hour: 10))
    static let now = Timestamp(CivilTime(year: 2026, month: 12, day: 7, hour: 6))

    static func at(_ seconds: Int64) -> Timestamp { day.advanced(by: .seconds(seconds)) }

    /// Parses lines as one batch of a source and runs the time stage over it.
    static func settle(
        _ lines: [String], live: Bool = false, listener: Bool = false, received: Timestamp = now, skew: Timestamp.Duration = .seconds(300)
    ) -> (EventBatch, BatchResult) {
        var bytes: [UInt8] = []
        var ranges: [ByteRange] = []
        for line in lines {
            ranges.append(ByteRange(start: bytes.count, count: line.utf8.count))
            bytes += Array(line.utf8)
        }
        var raw = RawBatch(source: SourceID(3), firstSequence: 0, receiveTime: received, bytes: bytes, messages: ranges)
        raw.clock = SourceClock(isLive: live || listener, isListener: listener)
        var options = ParserOptions()
        options.year = 2015
        var parser = BatchParser(options: options)
        var batch = parser.parse(raw)
        var result = BatchResult(ticket: 0, source: SourceID(3), firstSequence: 0, receiveTime: received)
        var stage = EventTimeStage(maxClockSkew: skew, recordsTimeline: true)
        var counters = StageCounters(stage: "time")
        stage.process(&batch, result: &result, counters: &counters)
        return (batch, result)
    }

    static func line(_ seconds: Int, host: String = "h") -> String {
        let s = 1 + seconds
        return String(format: "Mar  1 10:%02d:%02d %@ sshd[1]: m", s / 60, s % 60, host)
    }

    @Test func untimedEventsTakeTheTimeOfTheLatestTimedEventBeforeThem() {
        let (batch, result) = Self.settle(["garbage first", Self.line(0), "\u{1}\u{2} binary noise", Self.line(5), "raw again"])
        let sources = batch.events.map(\.timeSource)
        #expect(sources == [.pending, .header, .inherited, .header, .inherited])
        #expect(batch.events[2].time == batch.events[1].time)
        #expect(batch.events[4].time == batch.events[3].time)
        // Untimed events move nothing: only the two own times are in the timeline.
        let timeline = try! #require(result.timeline)
        #expect(timeline.times == [batch.events[1].time.nanoseconds, batch.events[3].time.nanoseconds])
        #expect(timeline.hasPending && timeline.lastTimed?.time == batch.events[3].time)
        #expect(result.maxEventTime == batch.events[3].time)
        #expect(result.eventTime.events(from: .inherited) == 2 && result.eventTime.events(from: .pending) == 1)
    }

    @Test func aLiveEventStampedAheadOfTheClockIsCorrelatedAtItsReceiveTime() {
        let received = Timestamp(CivilTime(year: 2015, month: 3, day: 1, hour: 10, minute: 1))
        let (batch, result) = Self.settle(
            [Self.line(0), "<13>1 2200-01-01T00:00:00Z evil app - - - hello", "raw"], listener: true, received: received)
        #expect(!batch.events[0].isOffClock && batch.events[1].isOffClock)
        #expect(batch.events[1].time.rfc3339() == "2200-01-01T00:00:00Z")
        #expect(batch.events[1].correlationTime == received)
        // Listener: an untimed event keeps its receive time and counts under its connection (host key 0).
        #expect(batch.events[2].timeSource == .received)
        let timeline = try! #require(result.timeline)
        // The forged host's progress is its receive time, as for its untimed neighbour.
        #expect(timeline.times == [batch.events[0].time.nanoseconds, received.nanoseconds, received.nanoseconds])
        #expect(timeline.keys.count == 3 && timeline.keys[2] == BatchTimeline.hostlessKey)
        #expect(result.eventTime.aheadOfClock == 1 && result.maxEventTime == received)
    }

    /// A pipe is live (idle time moves event time on) but one stream in order: an untimed line there takes
    /// the time of the line before it, as in a file, never the receive time (`zcat old.log | vigil run`).
    @Test func onAPipeUntimedEventsInheritAsInAFile() {
        let (batch, result) = Self.settle([Self.line(0), "noise", Self.line(1)], live: true)
        #expect(batch.events[1].timeSource == .inherited && batch.events[1].time == batch.events[0].time)
        #expect(result.timeline?.times == [batch.events[0].time.nanoseconds, batch.events[2].time.nanoseconds])
        #expect(result.timeline?.keys.isEmpty == true)
    }

    @Test func inAReplayAFutureLineKeepsItsTimeButMovesNothing() {
        let (batch, result) = Self.settle([Self.line(0), "<13>1 2200-01-01T00:00:00Z evil app - - - x", "raw"])
        #expect(!batch.events[1].isOffClock && batch.events[1].correlationTime.rfc3339() == "2200-01-01T00:00:00Z")
        #expect(result.timeline?.times == [batch.events[0].time.nanoseconds])
        #expect(result.eventTime.aheadOfClock == 1)
    }

    // MARK: Progress over batches

    static func progress(expecting: [SourceID] = [SourceID(3)], skew: Timestamp.Duration = .seconds(300)) -> SourceProgress {
        let roster = SourceRoster()
        for source in expecting { roster.expect(source) }
        return SourceProgress(roster: roster, maxClockSkew: skew, idleSourceTimeout: nil)
    }

    static func result(_ times: [Timestamp], source: UInt32 = 3, ticket: UInt64 = 0, hosts: [UInt64]? = nil) -> BatchResult {
        var result = BatchResult(ticket: ticket, source: SourceID(source), firstSequence: 0, receiveTime: now)
        var timeline = BatchTimeline()
        timeline.times = times.map(\.nanoseconds)
        if let hosts {
            timeline.byHost = true
            var keys: [UInt64] = []
            for host in hosts where !keys.contains(host) { keys.append(host) }
            timeline.keys = keys
            timeline.keyIndex = hosts.map { UInt16(keys.firstIndex(of: $0)!) }
        }
        timeline.lastTimed = times.last.map { ($0, 0) }
        result.timeline = timeline
        result.eventCount = times.count
        return result
    }

    @Test func aSourceStartsAtTheMedianOfItsFirstThreeEvents() {
        var progress = Self.progress()
        #expect(progress.observe(Self.result([Self.at(0), Self.at(10)])) == .distantPast)
        // Not the earliest (0) nor the latest (10): the median of the three.
        #expect(progress.observe(Self.result([Self.at(5)])) == Self.at(5))
    }

    /// Progress near the end of representable time with a skew of a year: the reach saturates instead
    /// of wrapping (which made every later event a jump).
    @Test func theReachOfProgressSaturates() {
        var progress = Self.progress(skew: .seconds(366 * 86_400))
        let late = Timestamp(seconds: Timestamp.representableSeconds.upperBound - 100)
        let times = (0..<4).map { late.advanced(by: .seconds(Int64($0))) }
        #expect(progress.observe(Self.result(times)) == times[3])
        #expect(progress.counters.unconfirmedJumps == 0)
    }

    /// Past 4,096 hosts, further hosts count under their connection, and their messages are counted.
    @Test func hostsBeyondTheLimitAreCountedUnderTheirConnection() {
        var progress = Self.progress(expecting: [])
        let hosts = (1...5_000).map { UInt64($0) }
        _ = progress.observe(Self.result(hosts.map { Self.at(Int64($0 % 3)) }, hosts: hosts))
        #expect(progress.counters.untrackedHostMessages == UInt64(5_000 - SourceProgress.maxTrackedHosts))
    }

    @Test func aLoneJumpAheadIsDiscardedByTheEventsAfterIt() {
        var progress = Self.progress()
        let forged = Timestamp(CivilTime(year: 2020, month: 1, day: 1))
        #expect(progress.observe(Self.result([Self.at(0), Self.at(1), Self.at(2), Self.at(3)])) == Self.at(3))
        #expect(progress.observe(Self.result([forged, Self.at(4), Self.at(5)])) == Self.at(5))
        #expect(progress.counters.unconfirmedJumps == 1)
    }

    @Test func aRealGapIsConfirmedByTheEventsAfterIt() {
        var progress = Self.progress()
        #expect(progress.observe(Self.result([Self.at(0), Self.at(1), Self.at(2), Self.at(3)])) == Self.at(3))
        // Two hours later: held until three events beyond the skew agree, then at their median.
        #expect(progress.observe(Self.result([Self.at(7200), Self.at(7201)])) == Self.at(3))
        #expect(progress.observe(Self.result([Self.at(7202)])) == Self.at(7201))
        #expect(progress.observe(Self.result([Self.at(7203)])) == Self.at(7203))
        #expect(progress.counters.unconfirmedJumps == 0)
    }

    @Test(arguments: [0, 1, 2])
    func oneForgedLineAmongTheConfirmingThreeCannotSetProgress(position: Int) {
        var progress = Self.progress()
        let forged = Timestamp(CivilTime(year: 2020, month: 1, day: 1))
        var times = [Self.at(0), Self.at(1), Self.at(2)]
        times[position] = forged
        let reached = progress.observe(Self.result(times))
        #expect(reached != nil && reached! < forged && reached! > .distantPast)
    }

    /// The resolver gives pending events the last timed event of their source's earlier batches, and
    /// fills the time slots of the rendered output with it; other sources are apart.
    @Test func pendingEventsTakeTheLastTimedEventOfTheBatchesBefore() throws {
        var resolver = EventTimeResolver()
        var first = Self.result([Self.at(0), Self.at(1), Self.at(2)])
        first.timeline?.lastTimed = (Self.at(1), 3)
        try resolver.consume(&first)
        #expect(first.pendingTime == nil)
        // A batch that starts with untimed events, rendered with a slot in its output.
        let (batch, _) = Self.settle(["raw first", Self.line(5)])
        var second = Self.result([], ticket: 1)
        second.timeline?.hasPending = true
        var renderer = EventJSONRenderer()
        let slot = try #require(renderer.append(batch.events[0], of: batch, to: &second.output))
        second.pendingTimeSlots = [PendingTimeSlot(offset: slot, fixedDigits: nil)]
        try resolver.consume(&second)
        #expect(second.pendingTime?.time == Self.at(1) && second.pendingTime?.precision == 3)
        let line = String(decoding: second.output, as: UTF8.self)
        #expect(line.hasPrefix(#"{"time":"2015-03-01T10:00:01.000Z"   ,"#), "\(line)")
        // Another source has no earlier batch: its receive time.
        var other = Self.result([], source: 9, ticket: 2)
        other.timeline?.hasPending = true
        try resolver.consume(&other)
        #expect(other.pendingTime?.time == Self.now)
    }

    @Test func everyLiveHostIsItsOwnSourceAndTheSlowestHoldsProgress() {
        var progress = Self.progress(expecting: [])
        let behind: Int64 = -5 * 3600
        let a: UInt64 = 11, b: UInt64 = 22
        let times = (0..<4).flatMap { i in [Self.at(Int64(i)), Self.at(behind + Int64(i))] }
        let hosts = (0..<4).flatMap { _ in [a, b] }
        #expect(progress.observe(Self.result(times, hosts: hosts)) == Self.at(behind + 3))
        #expect(progress.observe(Self.result([Self.at(4)], hosts: [a])) == Self.at(behind + 3))
        // Host A's events are 5 hours ahead of B's: neither is late, neither confirms a jump.
        #expect(progress.counters.unconfirmedJumps == 0)
    }
}
