import VigilAlert

/// What carries alerts to one receiver for a ``QueuedOutput``: a file descriptor, a file, a syslog
/// socket, a webhook.
///
/// A transport is used by one thread only, the output's, so it needs no locking of its own. It is handed
/// the oldest undelivered alerts, in order, and says how far it got; the output keeps the rest and hands
/// them over again (after a back-off when the transport reports a problem), so a transport never queues,
/// retries or reorders by itself.
public protocol AlertTransport: AnyObject {
    /// The most alerts and bytes (of ``AlertLines/bytes``) handed to one ``send(_:deadline:)``.
    var batchLimit: AlertBatchLimit { get }

    /// Sends `alerts` in order, giving up at `deadline` (a finishing output's time limit, else a time far off).
    ///
    /// Returns how many alerts, from the first, the transport is done with, and why it stopped before
    /// the end. The next call starts with the first alert not done.
    func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome

    /// Releases the transport's connections, files and threads. Called once, on the output's thread,
    /// after the last ``send(_:deadline:)``.
    func close()
}

/// How many alerts and bytes a transport takes at once.
public struct AlertBatchLimit: Sendable, Hashable {
    public var alerts: Int
    public var bytes: Int

    public init(alerts: Int, bytes: Int) {
        self.alerts = max(1, alerts)
        self.bytes = max(1, bytes)
    }
}

/// What a ``AlertTransport/send(_:deadline:)`` did.
public struct AlertTransportOutcome: Sendable, Hashable {
    /// Alerts from the start of the batch the transport is done with: delivered, or given up on as
    /// ``unsendable``.
    public var done: Int
    /// Of ``done``, the alerts no receiver can ever take (a datagram too large): counted as dropped. The
    /// transport logs why.
    public var unsendable: Int
    /// Why the transport stopped before the end of the batch; nil when ``done`` is the whole batch.
    public var problem: AlertTransportProblem?

    public init(done: Int, unsendable: Int = 0, problem: AlertTransportProblem? = nil) {
        self.done = done
        self.unsendable = unsendable
        self.problem = problem
    }

    /// Every alert of a batch of `count` delivered.
    public static func delivered(_ count: Int) -> AlertTransportOutcome { AlertTransportOutcome(done: count) }
}

/// Why a transport could not deliver the rest of a batch.
public enum AlertTransportProblem: Sendable, Hashable {
    /// The receiver is down or refused (connection refused, HTTP 5xx, a time-out): try again later.
    case receiverDown(String)
    /// Writing failed in a way the run should end for (an `--alerts` file that cannot be written): the
    /// output sets its ``AlertOutput/failure`` and keeps the alerts, trying again meanwhile.
    case failed(String)
    /// The reader went away (`EPIPE` on standard output): nothing will ever be delivered again, so the
    /// output drops what it holds and all later alerts, and never tries again.
    case closed(String)

    /// The message, for logs and ``AlertOutputHealth/lastProblem``.
    public var message: String {
        switch self {
        case .receiverDown(let message), .failed(let message), .closed(let message): message
        }
    }
}
