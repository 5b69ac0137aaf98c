import VigilEvent

/// Worker stage that settles each event's time after the decoders (which may have read one from the
/// message) and before detection, which places detections in correlation windows by it.
///
/// Per event, in input order:
/// - a timed event more than ``maxClockSkew`` ahead of its receive time is counted; on live input it is
///   correlated at its receive time (``Event/isAheadOfClock``) and moves no progress, in a replay it
///   keeps its time but moves no progress either (one forged line must not make every later one late);
/// - an event without a time takes the time of the latest timed event of its batch before it
///   (``EventTimeSource/inherited``); with none before it in the batch, it is ``EventTimeSource/pending``
///   and the ordered stages give it the time of its source's last timed event of earlier batches (the
///   worker cannot know it: batches of one source run on several workers at once). On a listener, where
///   many senders share the source, an untimed event keeps its receive time.
///
/// When correlation runs, it also records the batch's ``BatchTimeline`` for the watermark.
struct EventTimeStage: BatchStage {
    let name = "time"
    let maxClockSkew: Timestamp.Duration
    /// Whether to fill ``BatchResult/timeline`` (only correlation reads it).
    let recordsTimeline: Bool
    private var hosts = HostKeys()

    init(maxClockSkew: Timestamp.Duration, recordsTimeline: Bool) {
        self.maxClockSkew = maxClockSkew
        self.recordsTimeline = recordsTimeline
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        let live = batch.clock.isLive, listener = batch.clock.isListener
        let receiveTime = batch.receiveTime
        let futureLimit = receiveTime.advanced(by: maxClockSkew)
        let record = recordsTimeline
        var timeline = BatchTimeline()
        timeline.byHost = listener
        if record { timeline.times.reserveCapacity(batch.events.count) }
        var tally = EventTimeCounters()
        var maxTime = Timestamp.distantPast
        var last: (time: Timestamp, precision: UInt8)? = nil
        hosts.reset()
        // Counted by time source in a stack buffer: an array's element, incremented per event, would be
        // checked for uniqueness each time.
        let sourceCount = EventTimeSource.allCases.count
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: sourceCount) { bySource in
            bySource.initialize(repeating: 0)
            batch.bytes.withUnsafeBytes { bytes in
                batch.events.withUnsafeMutableBufferPointer { events in
                    for i in events.indices {
                        if events[i].timeSource.isOwn {
                            let time = events[i].time
                            last = (time, events[i].timePrecision)
                            if time > futureLimit {
                                tally.aheadOfClock &+= 1
                                if live { events[i].isAheadOfClock = true }
                            } else {
                                if time > maxTime { maxTime = time }
                                if record { note(time, host: events[i].host, byHost: listener, bytes: bytes, into: &timeline) }
                            }
                        } else if listener {
                            if receiveTime > maxTime { maxTime = receiveTime }
                            if record { note(receiveTime, host: events[i].host, byHost: true, bytes: bytes, into: &timeline) }
                        } else if let last {
                            events[i].time = last.time
                            events[i].timePrecision = last.precision
                            events[i].timeSource = .inherited
                        } else {
                            events[i].timeSource = .pending
                            timeline.hasPending = true
                        }
                        bySource[Int(events[i].timeSource.rawValue)] &+= 1
                    }
                }
            }
            for source in EventTimeSource.allCases { tally.count(source, bySource[Int(source.rawValue)]) }
        }
        if listener { timeline.keys = hosts.keys }
        timeline.lastTimed = last
        result.maxEventTime = maxTime
        result.eventTime = tally
        if record { result.timeline = timeline }
        counters.emitted &+= UInt64(batch.events.count)
    }

    @inline(__always)
    private mutating func note(
        _ time: Timestamp, host: ByteRange?, byHost: Bool, bytes: UnsafeRawBufferPointer, into timeline: inout BatchTimeline
    ) {
        timeline.times.append(time.nanoseconds)
        guard byHost else { return }
        var key = BatchTimeline.hostlessKey
        if let host, !host.isEmpty {
            key = FNV1a.hash(UnsafeRawBufferPointer(rebasing: bytes[host.range]))
            if key == BatchTimeline.hostlessKey { key = 1 }
        }
        timeline.keyIndex.append(hosts.index(of: key))
    }
}

/// The distinct host keys of one batch, in first-seen order (a batch holds a handful: a linear scan
/// from the last hit beats a dictionary).
struct HostKeys {
    private(set) var keys: [UInt64] = []
    private var lastIndex = 0

    mutating func reset() {
        keys = []
        lastIndex = 0
    }

    @inline(__always)
    mutating func index(of key: UInt64) -> UInt16 {
        if lastIndex < keys.count && keys[lastIndex] == key { return UInt16(lastIndex) }
        if let found = keys.firstIndex(of: key) {
            lastIndex = found
            return UInt16(found)
        }
        // A batch holds at most 4,096 listener messages, so the index fits; past 65,535 hosts in one batch
        // the last slot is shared (the ordered stage bounds hosts far below that anyway).
        guard keys.count < Int(UInt16.max) else { return UInt16.max - 1 }
        keys.append(key)
        lastIndex = keys.count - 1
        return UInt16(lastIndex)
    }
}
