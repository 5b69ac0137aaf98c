import VigilEvent

/// Event-time progress over every source of a run, in input order, for the correlation watermark.
///
/// The watermark follows the slowest source still delivering, so that files replayed side by side
/// (auth.log next to an access log of the same hours) do not make each other's events late. On live
/// input each sending host is its own source (by the name in its messages' header, else its connection
/// or listener): one host logging local time five hours behind the others holds progress back instead
/// of finding all its events late. A source counts from its first confirmed progress, or from the
/// start when the roster expects it (files and stdin: until then it holds progress at the beginning of
/// time); it stops counting when it ended, or, in a live run, when it sent nothing for
/// ``idleSourceTimeout`` of wall-clock time.
///
/// **Jumps are confirmed.** A source's progress moves by at most ``maxClockSkew`` per event unless the
/// events after a jump confirm it: three consecutive events beyond the old progress + skew move it to
/// the median of the three (one forged line among them, first or last, cannot set it). A real gap in a
/// log is followed by more events after it; a lone forged line far ahead is followed by events at the
/// old time, which discard it (it keeps its own time in correlation, counted as an unconfirmed jump).
/// The first three events of a source confirm its start the same way, so a forged first line cannot set
/// it either.
struct SourceProgress {
    /// A source, or on live input one sending host of it.
    struct Key: Hashable {
        var source: SourceID
        var host: UInt64
    }

    private struct State {
        /// The confirmed progress (nanoseconds); `Int64.min` until the first confirmation.
        var confirmed = Int64.min
        /// Consecutive events beyond `confirmed + skew` (up to three), in order.
        var runCount = 0
        var run: (Int64, Int64) = (0, 0)
        var lastSeen: ContinuousClock.Instant?
    }

    /// Live hosts tracked at once; messages of further hosts count under their connection or listener.
    static let maxTrackedHosts = 4096

    let maxClockSkew: Int64
    let idleSourceTimeout: Duration?
    private let roster: SourceRoster
    private let clock = ContinuousClock()
    private var states: [Key: State] = [:]
    /// Sources the roster expects that have not ended: they hold progress until they confirm some.
    private var expected: Set<SourceID> = []
    private var trackedHosts = 0
    /// Unconfirmed jumps and untracked hosts (the workers count the rest of ``EventTimeCounters``).
    private(set) var counters = EventTimeCounters()
    /// Live input: when each sending host (by header host) last sent; a host quiet for ``silence`` is
    /// counted and forgotten (sending again makes it new). At most ``maxTrackedHosts`` hosts: past
    /// that, new hosts are not watched for silence (no scan for one to replace, whatever a sender
    /// makes up).
    private var activity: [UInt64: ContinuousClock.Instant] = [:]
    /// How long a host that sent may stay quiet before it counts as a source that stopped sending.
    var silence: Duration = .seconds(300)
    /// Hosts that stopped sending for ``silence`` (each time they do).
    private(set) var quietSources: UInt64 = 0

    init(roster: SourceRoster, maxClockSkew: Timestamp.Duration, idleSourceTimeout: Duration?) {
        self.roster = roster
        self.maxClockSkew = maxClockSkew.nanoseconds
        self.idleSourceTimeout = idleSourceTimeout
        expected = Set(roster.expected)
    }

    /// Notes one batch result and returns the event time all counted sources have reached (nil when no
    /// source is counted).
    mutating func observe(_ result: BatchResult) -> Timestamp? {
        let now = idleSourceTimeout != nil ? clock.now : nil
        if let timeline = result.timeline {
            if timeline.byHost {
                observeLive(timeline, source: result.source, now: now)
            } else {
                let key = Key(source: result.source, host: BatchTimeline.hostlessKey)
                var state = states[key] ?? State()
                for time in timeline.times { advance(&state, by: time) }
                state.lastSeen = now
                states[key] = state
            }
        }
        for source in roster.takeEnded(before: result.ticket + 1) { remove(source) }
        return progress()
    }

    private mutating func observeLive(_ timeline: BatchTimeline, source: SourceID, now: ContinuousClock.Instant?) {
        // Resolve the batch's hosts once: a host past the limit is counted under its connection, so
        // several of the batch's hosts may share one state (a slot).
        var slotKeys: [Key] = []
        var slotOfKey: [Key: Int] = [:]
        var slotOfHost: [Int] = []
        var folded: [Bool] = []
        slotOfHost.reserveCapacity(timeline.keys.count)
        for host in timeline.keys {
            var key = Key(source: source, host: host)
            var isFolded = false
            if states[key] == nil && host != BatchTimeline.hostlessKey {
                if trackedHosts < Self.maxTrackedHosts {
                    trackedHosts += 1
                } else {
                    isFolded = true
                    key.host = BatchTimeline.hostlessKey
                }
            }
            folded.append(isFolded)
            if let slot = slotOfKey[key] {
                slotOfHost.append(slot)
            } else {
                slotOfKey[key] = slotKeys.count
                slotOfHost.append(slotKeys.count)
                slotKeys.append(key)
            }
        }
        var local = slotKeys.map { states[$0] ?? State() }
        for (time, host) in zip(timeline.times, timeline.keyIndex) {
            advance(&local[slotOfHost[Int(host)]], by: time)
            if folded[Int(host)] { counters.untrackedHostMessages &+= 1 }
        }
        for (slot, key) in slotKeys.enumerated() {
            local[slot].lastSeen = now
            states[key] = local[slot]
        }
        if let now {
            for host in timeline.keys where host != BatchTimeline.hostlessKey { noteActivity(host: host, at: now) }
        }
    }

    /// One event of a source at `time` (nanoseconds).
    @inline(__always)
    private mutating func advance(_ state: inout State, by time: Int64) {
        // Saturating: progress near the end of representable time, or a skew of centuries, must not wrap.
        let reach = state.confirmed > Int64.max - maxClockSkew ? Int64.max : state.confirmed + maxClockSkew
        if time <= reach && state.confirmed != .min {
            if time > state.confirmed { state.confirmed = time }
            if state.runCount > 0 {
                counters.unconfirmedJumps &+= UInt64(state.runCount)
                state.runCount = 0
            }
            return
        }
        switch state.runCount {
        case 0:
            state.run.0 = time
            state.runCount = 1
        case 1:
            state.run.1 = time
            state.runCount = 2
        default:
            // The third: the jump is confirmed, to the median of the three.
            let (a, b) = state.run
            let median = max(min(a, b), min(max(a, b), time))
            state.confirmed = max(state.confirmed, median)
            state.runCount = 0
        }
    }

    private mutating func remove(_ source: SourceID) {
        expected.remove(source)
        for key in states.keys where key.source == source {
            if key.host != BatchTimeline.hostlessKey { trackedHosts -= 1 }
            states[key] = nil
        }
    }

    /// Notes that `host` sent (unless the bound is reached and it is not watched yet).
    private mutating func noteActivity(host: UInt64, at now: ContinuousClock.Instant) {
        if activity[host] == nil && activity.count >= Self.maxTrackedHosts { return }
        activity[host] = now
    }

    /// Counts hosts that sent and have been quiet for ``silence`` (live runs; once per silence).
    private mutating func noteQuietHosts(now: ContinuousClock.Instant) {
        let quiet = activity.filter { now - $0.value > silence }.keys
        for host in quiet { activity[host] = nil }
        quietSources &+= UInt64(quiet.count)
    }

    /// Drops sources idle for longer than the timeout (live runs) and returns the progress.
    mutating func progress() -> Timestamp? {
        if let timeout = idleSourceTimeout {
            let now = clock.now
            noteQuietHosts(now: now)
            for (key, state) in states {
                guard let seen = state.lastSeen, now - seen > timeout else { continue }
                if key.host != BatchTimeline.hostlessKey { trackedHosts -= 1 }
                states[key] = nil
                expected.remove(key.source)
            }
        }
        var slowest = Int64.max
        var counted = false
        for state in states.values where state.confirmed != .min {
            slowest = min(slowest, state.confirmed)
            counted = true
        }
        for source in expected where (states[Key(source: source, host: BatchTimeline.hostlessKey)]?.confirmed ?? .min) == .min {
            return .distantPast
        }
        return counted ? Timestamp(nanoseconds: slowest) : nil
    }
}
