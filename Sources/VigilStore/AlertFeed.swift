/// Live fan-out of what the store committed: alerts in store order and triage changes, to any number of
/// subscribers (the console's streams, `vigil tail`).
///
/// Publishing never waits for a subscriber: each has a bounded buffer, and a subscriber that falls
/// behind loses what does not fit and is told how many (``AlertFeed/Item/dropped(count:lastDelivered:)``),
/// so it can resume from the store.
public final class AlertFeed: Sendable {
    public enum Item: Sendable, Hashable {
        case alert(StoredAlert)
        case triage(TriageEntry)
        /// `count` alerts were not delivered; the last one delivered before them had store sequence `lastDelivered`.
        case dropped(count: Int, lastDelivered: Int64)
    }

    public init() {}

    /// A subscription holding at most `bufferLimit` items; iterate it to receive them. Ends when
    /// ``finish()`` is called or the subscription is dropped.
    public func subscribe(bufferLimit: Int = 10_000) -> AsyncStream<Item> {
        fatalError("not implemented yet")
    }

    /// Publishes committed alerts (called by the store's writer after each transaction).
    public func publish(_ alerts: [StoredAlert]) {}

    /// Publishes a triage change.
    public func publish(_ entry: TriageEntry) {}

    /// Ends every subscription (shutdown).
    public func finish() {}

    /// Subscribers now.
    public var subscriberCount: Int { 0 }
}
