/// How long an output waits before trying a receiver again: exponential back-off with jitter.
///
/// The first retry waits about ``initialDelay``, each next one twice as long, up to ``maximumDelay``. Each
/// wait is shortened by a random part of up to ``jitter`` (a fraction), so that many vigil instances cut
/// off from one receiver do not all come back at the same moment.
public struct RetryPolicy: Sendable, Hashable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// 0 (no jitter) to 1 (a wait anywhere between 0 and the full delay).
    public var jitter: Double

    /// 100 ms doubling to 5 s, up to a quarter shorter at random.
    public init(initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(5), jitter: Double = 0.25) {
        self.initialDelay = initialDelay
        self.maximumDelay = max(initialDelay, maximumDelay)
        self.jitter = min(1, max(0, jitter))
    }

    /// The wait before retry number `attempt` (1 for the first retry).
    public func delay(attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maximumDelay { break }
        }
        delay = min(delay, maximumDelay)
        guard jitter > 0 else { return delay }
        return delay * (1 - Double.random(in: 0...jitter))
    }
}
