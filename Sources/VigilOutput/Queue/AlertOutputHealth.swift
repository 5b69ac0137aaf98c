/// A snapshot of an output's backlog and receiver, for the pipeline's health checks.
///
/// Raise a health alert when ``isOverflowing`` (new alerts are being dropped because the memory queue
/// and the spool are full) or when the receiver has been failing for long (``failingSince``).
public struct AlertOutputHealth: Sendable, Hashable {
    /// Alerts waiting in memory (including a batch in flight taken from memory).
    public var queuedAlerts = 0
    public var queuedBytes = 0
    /// The memory queue's limit in bytes.
    public var queueLimit = 0
    /// Undelivered alerts in the spool file (including a batch in flight read from it).
    public var spooledAlerts = 0
    /// The spool file's size in bytes (what counts against ``spoolLimit``; 0 without a spool file).
    public var spoolBytes = 0
    /// The spool file's limit in bytes (0: the output has no spool).
    public var spoolLimit = 0
    /// Alerts dropped so far (as in ``AlertOutputCounts/dropped``).
    public var dropped: UInt64 = 0
    /// Times ``AlertOutput/accept(_:)`` waited for room (as in ``AlertOutputCounts/stalled``).
    public var stalled: UInt64 = 0
    /// Since when an ``AlertOutput/accept(_:)`` waits for room (memory queue and spool full, an output
    /// that never drops); nil while alerts find room.
    public var stallingSince: ContinuousClock.Instant?
    /// When the receiver started failing (the first failed attempt since the last success); nil while
    /// it takes alerts.
    public var failingSince: ContinuousClock.Instant?
    /// When alerts started being dropped for want of room (memory queue and spool full); nil once an
    /// alert finds room again.
    public var overflowingSince: ContinuousClock.Instant?
    /// The last failure's message (`connection refused`, `HTTP 503`), kept after a recovery.
    public var lastProblem: String?

    public init() {}

    public var isReceiverFailing: Bool { failingSince != nil }

    public var isOverflowing: Bool { overflowingSince != nil }

    public var isStalling: Bool { stallingSince != nil }
}
