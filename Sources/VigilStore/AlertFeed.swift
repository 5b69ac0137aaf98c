import Synchronization

/// Live fan-out of what the store committed: alerts in store order and triage changes, to any number of
/// subscribers (the console's streams, `vigil tail`).
///
/// Publishing never waits for a subscriber: each has a bounded buffer, and a subscriber that falls
/// behind loses what does not fit and is told how many (``AlertFeed/Item/dropped(count:lastDelivered:)``),
/// so it can resume from the store.
///
/// To resume without a gap or a duplicate, subscribe first, then read the store after the last alert
/// the client has (``AlertStore/alerts(after:limit:)``), then go on with the subscription, skipping
/// alerts whose sequence was already sent.
public final class AlertFeed: Sendable {
    public enum Item: Sendable, Hashable {
        case alert(StoredAlert)
        case triage(TriageEntry)
        /// `count` alerts were not delivered (0 when only triage changes were lost); the last alert
        /// delivered before them had store sequence `lastDelivered` (the store's last sequence when the
        /// subscription started, if none was delivered yet).
        case dropped(count: Int, lastDelivered: Int64)
    }

    private let state: Mutex<State>

    /// - Parameter lastSequence: The store's last sequence: what a subscriber that lost alerts before
    ///   it got any is told it last had.
    public init(lastSequence: Int64 = 0) {
        state = Mutex(State(lastSequence: lastSequence))
    }

    /// A subscription holding at most `bufferLimit` items; iterate it to receive them. Ends when
    /// ``finish()`` is called or the subscription is dropped (its iterating task cancelled, or the
    /// stream released).
    public func subscribe(bufferLimit: Int = 10_000) -> AsyncStream<Item> {
        let limit = max(1, bufferLimit)
        let id = state.withLock { state -> UInt64? in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = Subscriber(limit: limit, lastDelivered: state.lastSequence)
            return state.nextID
        }
        guard let id else { return AsyncStream { $0.finish() } }
        // The token is held by the stream's closures only: when the stream goes away, so does the subscriber.
        let token = Token(feed: self, id: id)
        return AsyncStream(unfolding: { await token.next() }, onCancel: { token.cancel() })
    }

    /// Publishes committed alerts (called by the store's writer after each transaction).
    public func publish(_ alerts: [StoredAlert]) {
        guard let last = alerts.last else { return }
        var wakeups: [(CheckedContinuation<Item?, Never>, Item)] = []
        state.withLock { state in
            state.lastSequence = last.sequence
            for index in state.subscribers.indices {
                for alert in alerts {
                    if let wakeup = state.subscribers.values[index].offer(.alert(alert), sequence: alert.sequence) {
                        wakeups.append(wakeup)
                    }
                }
            }
        }
        for (continuation, item) in wakeups { continuation.resume(returning: item) }
    }

    /// Publishes a triage change.
    public func publish(_ entry: TriageEntry) {
        var wakeups: [(CheckedContinuation<Item?, Never>, Item)] = []
        state.withLock { state in
            for index in state.subscribers.indices {
                if let wakeup = state.subscribers.values[index].offer(.triage(entry), sequence: nil) { wakeups.append(wakeup) }
            }
        }
        for (continuation, item) in wakeups { continuation.resume(returning: item) }
    }

    /// Ends every subscription (shutdown); later subscriptions end at once.
    public func finish() {
        let waiters = state.withLock { state -> [CheckedContinuation<Item?, Never>] in
            state.finished = true
            let waiters = state.subscribers.values.compactMap(\.waiter)
            state.subscribers.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Subscribers now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Items buffered for subscribers and not taken yet, all subscribers together: zero once every
    /// stream caught up (what a graceful shutdown waits for, within its limit).
    public var backlog: Int { state.withLock { $0.subscribers.values.reduce(0) { $0 + $1.count } } }

    // MARK: Subscriptions

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var finished = false
        var lastSequence: Int64
    }

    private struct Subscriber {
        /// Items not yet taken, from ``head`` on.
        var buffer: [Item] = []
        var head = 0
        let limit: Int
        /// Alerts lost since the last notice, and whether anything (an alert or a triage change) was.
        var droppedAlerts = 0
        var noticePending = false
        var lastDelivered: Int64
        /// The consumer waiting for the next item (the buffer is empty).
        var waiter: CheckedContinuation<Item?, Never>?

        init(limit: Int, lastDelivered: Int64) {
            self.limit = limit
            self.lastDelivered = lastDelivered
        }

        var count: Int { buffer.count - head }

        /// Hands `item` to a waiting consumer (returned, to be resumed outside the lock), buffers it, or
        /// drops it when the buffer is full. After a loss, the notice goes first, once there is room
        /// for it and the item.
        mutating func offer(_ item: Item, sequence: Int64?) -> (CheckedContinuation<Item?, Never>, Item)? {
            if let waiter {
                self.waiter = nil
                if let sequence { lastDelivered = sequence }
                return (waiter, item)
            }
            if count + (noticePending ? 2 : 1) > limit {
                noticePending = true
                if sequence != nil { droppedAlerts += 1 }
                return nil
            }
            if noticePending { buffer.append(takeNotice()) }
            buffer.append(item)
            if let sequence { lastDelivered = sequence }
            return nil
        }

        mutating func takeNotice() -> Item {
            defer {
                noticePending = false
                droppedAlerts = 0
            }
            return .dropped(count: droppedAlerts, lastDelivered: lastDelivered)
        }

        mutating func pop() -> Item? {
            guard head < buffer.count else {
                return noticePending ? takeNotice() : nil
            }
            let item = buffer[head]
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: buffer.capacity <= 1024)
                head = 0
            } else if head >= 1024, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    /// What the subscription's stream holds: the subscriber's id, removed when the stream is released.
    private final class Token: Sendable {
        let feed: AlertFeed
        let id: UInt64

        init(feed: AlertFeed, id: UInt64) {
            self.feed = feed
            self.id = id
        }

        deinit { cancel() }

        func next() async -> Item? {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                let ready = feed.state.withLock { state -> Item?? in
                    guard state.subscribers[id] != nil else { return .some(nil) }
                    if let item = state.subscribers[id]!.pop() { return .some(item) }
                    state.subscribers[id]!.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        func cancel() {
            let waiter = feed.state.withLock { state in state.subscribers.removeValue(forKey: id)?.waiter }
            waiter?.resume(returning: nil)
        }
    }
}
