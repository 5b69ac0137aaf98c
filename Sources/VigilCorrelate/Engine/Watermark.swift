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

    public init(lateness: Timestamp.Duration) {
        self.lateness = lateness
    }

    /// Notes an event time (of any event, matched or not).
    public mutating func observe(_ time: Timestamp) {
        guard time > maxEventTime else { return }
        maxEventTime = time
        let candidate = time.advanced(by: Timestamp.Duration(nanoseconds: -lateness.nanoseconds))
        if candidate > current { current = candidate }
    }

    /// Advances with the wall clock while input is idle: receive time minus the lateness.
    public mutating func advance(wallClock: Timestamp) {
        let candidate = wallClock.advanced(by: Timestamp.Duration(nanoseconds: -lateness.nanoseconds))
        if candidate > current { current = candidate }
    }

    /// The end of finite input: nothing more will come.
    public mutating func finish() {
        current = .distantFuture
    }

    /// Whether an input at `time` arrives too late to be counted.
    public func isLate(_ time: Timestamp) -> Bool { time < current }
}
