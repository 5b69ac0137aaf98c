import VigilAlert

/// A place alerts go: standard output, a file, a syslog receiver, a webhook.
///
/// The sequencer hands every output the same alerts in the same order through ``accept(_:)``, which
/// never waits for delivery: each output owns a bounded queue and a thread, so a slow or dead receiver
/// never holds up detection. What the queue cannot hold goes to the output's spool; what the spool
/// cannot hold is counted as dropped and logged, never dropped silently.
public protocol AlertOutput: AnyObject, Sendable {
    /// How the summary and logs name the output (`stdout`, `file /var/log/vigil.jsonl`, `syslog udp://…`).
    var name: String { get }
    /// The lowest tier this output takes; ``accept(_:)`` is handed only those.
    var minimumTier: Int { get }
    /// Takes alerts in order, without waiting for their delivery.
    func accept(_ alerts: AlertLines)
    /// Delivers what is queued, waiting at most `timeout` for a receiver that is down, then stops the
    /// output's thread. What is still undelivered stays in the spool for the next run (and is counted
    /// as spooled, not dropped).
    func finish(timeout: Duration)
    /// What happened to the alerts handed over so far.
    var counts: AlertOutputCounts { get }
    /// A failure that should end the run (an `--alerts` file that cannot be written), if any.
    var failure: String? { get }
    /// How full the output's queue and spool are and whether its receiver is failing: cheap enough to
    /// read on every stats tick.
    var health: AlertOutputHealth { get }
}

extension AlertOutput {
    /// An output without a queue of its own reports nothing queued and a healthy receiver.
    public var health: AlertOutputHealth { AlertOutputHealth() }
}

/// What an output did with the alerts it was handed.
public struct AlertOutputCounts: Sendable, Hashable {
    /// Alerts handed to the output (after its tier filter).
    public var accepted: UInt64 = 0
    /// Alerts the receiver took.
    public var delivered: UInt64 = 0
    /// Deliveries tried again after a failure.
    public var retried: UInt64 = 0
    /// Alerts that went through the spool file (the memory queue was full or the receiver was down).
    public var spooled: UInt64 = 0
    /// Alerts lost: the spool was full, or the reader went away (standard output closed).
    public var dropped: UInt64 = 0
    /// Alerts an earlier run left in the spool, delivered first by this one (counted in ``delivered``
    /// once delivered, never in ``accepted``).
    public var recovered: UInt64 = 0
    /// Alerts still in the spool when the output finished (the receiver stayed down): the next run
    /// delivers them first. Not dropped.
    public var leftInSpool: UInt64 = 0
    /// Times ``AlertOutput/accept(_:)`` waited for room because the memory queue and the spool were
    /// full (outputs that never drop, such as the alert store): intake was slowed, nothing was lost.
    public var stalled: UInt64 = 0

    public init() {}
}
