import Synchronization
import VigilEvent

/// Ordered stage that follows the event time every source has reached (``SourceProgress``) and hands
/// it to the stages after it: ``BatchResult/progressTime`` per batch, and ``EventProgress/latest`` for
/// their idle ticks. Correlation's watermark and the closing of detection episodes both read it, so
/// they agree on where event time stands.
struct EventProgressStage: OrderedStage {
    let name = "progress"
    private(set) var counters = StageCounters(stage: "progress")
    private var progress: SourceProgress
    private let shared: EventProgress
    /// Whether idle ticks drop sources that went quiet (live input only).
    private let followsWallClock: Bool
    private let health: HealthSignals?
    /// Events stamped ahead of the clock (counted by the workers) so far.
    private var aheadOfClock: UInt64 = 0

    /// Jumps the sources' progress did not take, and hosts it could not track (see ``SourceProgress``).
    var eventTime: EventTimeCounters { progress.counters }

    init(
        roster: SourceRoster, maxClockSkew: Timestamp.Duration, followsWallClock: Bool, shared: EventProgress, health: HealthSignals? = nil,
        sourceSilence: Duration = .seconds(300)
    ) {
        self.health = health
        progress = SourceProgress(roster: roster, maxClockSkew: maxClockSkew, idleSourceTimeout: followsWallClock ? .seconds(10) : nil)
        progress.silence = sourceSilence
        self.shared = shared
        self.followsWallClock = followsWallClock
    }

    mutating func consume(_ result: inout BatchResult) throws {
        let latest = progress.observe(result)
        result.progressTime = latest
        shared.set(latest)
        aheadOfClock &+= result.eventTime.aheadOfClock
        health?.set(.futureDatedEvents, to: aheadOfClock &+ progress.counters.unconfirmedJumps)
    }

    mutating func idle(now: Timestamp) throws {
        guard followsWallClock else { return }
        shared.set(progress.progress())
        health?.set(.sourceSilent, to: progress.quietSources)
        health?.set(.sourceSilent, to: progress.quietSources)
    }

    mutating func finish() throws {}
}

/// The latest event-time progress, shared by the ordered stages of one run (all on the collector
/// thread; the lock only satisfies Sendable).
final class EventProgress: Sendable {
    private let value = Mutex<Timestamp?>(nil)

    init() {}

    func set(_ time: Timestamp?) { value.withLock { $0 = time } }
    var latest: Timestamp? { value.withLock { $0 } }
}
