import VigilEvent

/// Event-time progress: the largest event time seen minus the allowed lateness.
///
/// Windows ending before the watermark are final. An input older than the watermark is late: it would
/// change a decided window, so it is counted and skipped.
public struct Watermark: Sendable, Hashable {
    public let lateness: Timestamp.Duration
    /// The largest event time observed.
    public private(set) var maxEventTime: Timestamp = .distantPast
    /// The watermark: every window ending before it is decided.
    public private(set) var current: Timestamp = .distantPast
    /// Since when input has been idle (wall clock), and the largest event time then; nil while input flows.
    private var idleSince: IdleAnchor?

    private struct IdleAnchor: Sendable, Hashable {
        var wallClock: Timestamp
        var maxEventTime: Timestamp
    }

    public init(lateness: Timestamp.Duration) {
        self.lateness = lateness
    }

    /// Notes an event time (of any event, matched or not): input is flowing.
    public mutating func observe(_ time: Timestamp) {
        idleSince = nil
        guard time > maxEventTime else { return }
        maxEventTime = time
        let candidate = time.advanced(by: Timestamp.Duration(nanoseconds: -lateness.nanoseconds))
        if candidate > current { current = candidate }
    }

    /// Advances with the wall clock while input is idle: event time goes on from the newest event at the
    /// pace of the wall clock, minus the lateness.
    ///
    /// The first call after input stopped notes the wall clock; each later one moves the watermark to
    /// `maxEventTime + (wallClock - then) - lateness`. For a live source, whose event times follow the
    /// wall clock, that is receive time minus the lateness. It differs from jumping to the wall clock when
    /// event times do not follow it: a sender whose clock or zone is off by hours (RFC 3164 carries no
    /// zone), or old logs replayed through a pipe that stalls. There a jump would make every later event
    /// late; this moves event time by no more than the idle time itself. Before any event, nothing moves.
    public mutating func advance(wallClock: Timestamp) {
        guard maxEventTime != .distantPast else { return }
        guard let anchor = idleSince else {
            idleSince = IdleAnchor(wallClock: wallClock, maxEventTime: maxEventTime)
            return
        }
        let idle = wallClock.nanoseconds &- anchor.wallClock.nanoseconds
        guard idle > 0 else { return }
        let candidate = anchor.maxEventTime.advanced(by: Timestamp.Duration(nanoseconds: idle &- lateness.nanoseconds))
        if candidate > current { current = candidate }
    }

    /// Takes up the progress of a run that stopped (a restart, see ``RestoredCorrelation``): input
    /// counts as flowing, so the wall clock moves nothing until the first idle tick.
    mutating func restore(maxEventTime: Int64, current: Int64) {
        self.maxEventTime = max(self.maxEventTime, Timestamp(nanoseconds: maxEventTime))
        self.current = max(self.current, Timestamp(nanoseconds: current))
        idleSince = nil
    }

    /// The end of finite input: nothing more will come.
    public mutating func finish() {
        current = .distantFuture
    }
}
