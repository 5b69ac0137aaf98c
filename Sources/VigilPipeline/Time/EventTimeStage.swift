import VigilEvent

/// Worker stage that settles each event's time after the decoders (which may have read one from the
/// message) and before detection, which places detections in correlation windows by it.
///
/// Per event, in input order:
/// - a timed event more than ``maxClockSkew`` ahead of its receive time is counted and moves no
///   progress; on live input it is correlated at its receive time (``Event/isOffClock``), in a replay
///   it keeps its time (one forged line must not make every later one late). On a listener, an event
///   more than ``maxClockLag`` behind its receive time is correlated at its receive time too: a sender
///   whose clock or zone is hours off, or one forging old stamps, must not hold event time back for
///   every other sender;
/// - an event without a time takes the time of the latest timed event of its batch before it
///   (``EventTimeSource/inherited``; stamps refused as too far ahead are not taken); with none before
///   it in the batch, it is ``EventTimeSource/pending`` and the ordered stages give it the time of its
///   source's last timed event of earlier batches (the worker cannot know it: batches of one source
///   run on several workers at once). On a listener, where many senders share the source, an untimed
///   event keeps its receive time.
///
/// It records the batch's ``BatchTimeline`` (its times in order only when correlation runs).
struct EventTimeStage: BatchStage {
    let name = "time"
    let maxClockSkew: Timestamp.Duration
    let maxClockLag: Timestamp.Duration
    /// Whether to record the batch's times in its timeline (only correlation reads them; whether it has
    /// pending events and its last timed event are always recorded, for ``EventTimeResolver``).
    let recordsTimeline: Bool
    private var hosts = HostKeys()

    init(maxClockSkew: Timestamp.Duration, maxClockLag: Timestamp.Duration = .seconds(600), recordsTimeline: Bool) {
        self.maxClockSkew = maxClockSkew
        self.maxClockLag = maxClockLag
        self.recordsTimeline = recordsTimeline
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        let live = batch.clock.isLive, listener = batch.clock.isListener
        let receiveTime = batch.receiveTime
        let futureLimit = receiveTime.advanced(by: maxClockSkew)
        let pastLimit = listener ? receiveTime.advanced(by: Timestamp.Duration(nanoseconds: -maxClockLag.nanoseconds)) : .distantPast
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
                            var time = events[i].time
                            if time > futureLimit || time < pastLimit {
                                if time > futureLimit { tally.aheadOfClock &+= 1 } else { tally.behindClock &+= 1 }
                                guard live else {
                                    bySource[Int(events[i].timeSource.rawValue)] &+= 1
                                    continue
                                }
                                events[i].isOffClock = true
                                time = receiveTime
                            } else {
                                last = (time, events[i].timePrecision)
                            }
                            if time > maxTime { maxTime = time }
                            if record && (listener || !events[i].isOffClock) {
                                note(time, host: events[i].host, byHost: listener, bytes: bytes, into: &timeline)
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
        result.timeline = timeline
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

/// The distinct host keys of one batch, in first-seen order. Consecutive messages mostly come from one
/// host, so the last hit is tried first; past a few hosts a dictionary finds the others (a sender
/// varying its host name per message must not make each lookup scan them all).
struct HostKeys {
    private(set) var keys: [UInt64] = []
    private var indexOf: [UInt64: UInt16] = [:]
    private var lastIndex = 0
    private static let scanned = 16

    mutating func reset() {
        keys.removeAll(keepingCapacity: true)
        if !indexOf.isEmpty { indexOf.removeAll(keepingCapacity: true) }
        lastIndex = 0
    }

    @inline(__always)
    mutating func index(of key: UInt64) -> UInt16 {
        if lastIndex < keys.count && keys[lastIndex] == key { return UInt16(lastIndex) }
        if keys.count <= Self.scanned {
            if let found = keys.firstIndex(of: key) {
                lastIndex = found
                return UInt16(found)
            }
        } else if let found = indexOf[key] {
            lastIndex = Int(found)
            return found
        }
        // A batch holds at most 4,096 listener messages, so the index fits; past 65,535 hosts in one batch
        // the last slot is shared (the ordered stage bounds hosts far below that anyway).
        guard keys.count < Int(UInt16.max) else { return UInt16.max - 1 }
        keys.append(key)
        lastIndex = keys.count - 1
        if keys.count > Self.scanned {
            if indexOf.isEmpty { for (i, k) in keys.enumerated() { indexOf[k] = UInt16(i) } } else { indexOf[key] = UInt16(lastIndex) }
        }
        return UInt16(lastIndex)
    }
}
