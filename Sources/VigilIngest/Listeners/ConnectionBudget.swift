import Logging
import NIOCore

/// What the TCP connections of a run hold in memory: the cap on their unfinished messages together
/// (``ListenerConfiguration/maxTotalBuffer``), and the batch size that keeps their finished ones small.
///
/// A connection holds an unfinished message (the framer's partial frame) and finished messages it has
/// not handed to the pipeline yet. Only the unfinished part is the peer's doing, so only it costs a
/// connection: when the unfinished messages of all connections together exceed the cap, the connections
/// holding the largest are disconnected until they are under it again (a sender trickling huge unfinished
/// messages over many connections goes first). Finished messages are never thrown away and never cost a
/// connection: while the pipeline is full they wait with the connection not reading (TCP flow control
/// slows its peer), and each connection hands them over once it holds its share of half the cap
/// (``handOverBytes``), so that a thousand connections waiting together hold little each.
///
/// Connections whose batch the pipeline refused wait in one queue, oldest first, and a single timer offers
/// their batches again every millisecond until the pipeline takes one: a thousand waiting connections cost
/// one offer per millisecond, not a thousand (each polling on its own took most of the event loop's core
/// from the workers), and none waits behind connections that came later. The last batch of a connection
/// that closes waits in the same queue (``handOver(bytes:offer:wait:on:)``), so that closing never holds
/// the event loop, which would keep the other connections from being read meanwhile.
final class ConnectionBudget: @unchecked Sendable {
    // @unchecked: every member is read and written on the listeners' one event-loop thread only
    // (ListenerGroup runs a single-threaded event loop group; handlers call in from there).
    private struct Entry {
        var unfinished = 0
        var isWaiting = false
        let disconnect: () -> Void
        /// Offers the connection's batch to the pipeline; true when it was taken (or there was none).
        let offer: () -> Bool
    }

    /// Something waiting for room in the pipeline: a connection (its batch is offered through it), or the
    /// last batch of a connection that closed.
    private enum Waiting {
        case connection(ObjectIdentifier)
        case batch(bytes: Int, offer: () -> Bool)
    }

    let maxTotal: Int
    /// The batch size of a connection alone (``ListenerConfiguration/tcpBatchBytes``).
    let largestBatch: Int
    /// Bytes of unfinished messages all connections hold now.
    private(set) var unfinished = 0
    private var entries: [ObjectIdentifier: Entry] = [:]
    /// What waits for room in the pipeline, oldest first (from `waitingStart` on).
    private var waiting: [Waiting] = []
    private var waitingStart = 0
    /// Bytes of the closed connections' batches in `waiting`.
    private var orphanBytes = 0
    private var retry: Scheduled<Void>?
    private var drained: [EventLoopPromise<Void>] = []
    /// Set when the listeners stop: connections accepted after it stop at once (``ListenerStop``).
    var stopDeadline: NIODeadline?
    private var log = IntervalLog()
    private let logger: Logger

    /// The smallest batch a connection hands over however many are open: smaller ones would cost the
    /// pipeline more per message than the memory they save.
    static let smallestBatch = 4096
    /// How often the waiting connections' batches are offered again while the pipeline is full.
    static let retryInterval = TimeAmount.milliseconds(1)

    init(maxTotal: Int, largestBatch: Int, logger: Logger) {
        self.maxTotal = maxTotal
        self.largestBatch = largestBatch
        self.logger = logger
    }

    /// Bytes of finished messages at which a connection hands them over: an even share of half the cap
    /// among the open connections, between ``smallestBatch`` and ``largestBatch``.
    var handOverBytes: Int {
        max(Self.smallestBatch, min(largestBatch, maxTotal / (2 * max(1, entries.count))))
    }

    func register(_ id: ObjectIdentifier, disconnect: @escaping () -> Void, offer: @escaping () -> Bool) {
        entries[id] = Entry(disconnect: disconnect, offer: offer)
    }

    /// Queues connection `id`, whose batch the pipeline refused (it no longer reads), to offer it again
    /// in its turn.
    func waitForRoom(_ id: ObjectIdentifier, on loop: any EventLoop) {
        guard let entry = entries[id], !entry.isWaiting else { return }
        entries[id]?.isWaiting = true
        waiting.append(.connection(id))
        scheduleRetry(on: loop)
    }

    /// Hands over the last batch of a connection that closes, `offer` offering it to the pipeline (true
    /// when taken): at once if nothing waits and the pipeline takes it, else in the queue. Only when the
    /// closed connections' batches in the queue would exceed half the cap does `wait` hand it over,
    /// holding the event loop until the pipeline takes it: that bounds what connections opened and closed
    /// in a flood can leave behind.
    func handOver(bytes: Int, offer: @escaping () -> Bool, wait: () -> Void, on loop: any EventLoop) {
        if waitingStart == waiting.count && offer() { return }
        guard orphanBytes + bytes <= maxTotal / 2 else {
            wait()
            return
        }
        orphanBytes += bytes
        waiting.append(.batch(bytes: bytes, offer: offer))
        scheduleRetry(on: loop)
    }

    /// Succeeds once nothing waits for room in the pipeline (at stop, before the event loop ends).
    func whenDrained(on loop: any EventLoop) -> EventLoopFuture<Void> {
        guard waitingStart < waiting.count else { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        drained.append(promise)
        return promise.futureResult
    }

    private func scheduleRetry(on loop: any EventLoop) {
        guard retry == nil else { return }
        retry = loop.assumeIsolated().scheduleTask(in: Self.retryInterval) { [self] in
            self.retry = nil
            self.offerWaiting(on: loop)
        }
    }

    /// Offers the waiting batches, oldest first, until the pipeline refuses one.
    private func offerWaiting(on loop: any EventLoop) {
        offering: while waitingStart < waiting.count {
            switch waiting[waitingStart] {
            case .connection(let id):
                // A connection gone meanwhile has left its place (remove(_:) cleared it); its last batch
                // came back through handOver.
                if let entry = entries[id], entry.isWaiting {
                    guard entry.offer() else { break offering }
                    entries[id]?.isWaiting = false
                }
            case .batch(let bytes, let offer):
                guard offer() else { break offering }
                orphanBytes -= bytes
            }
            waitingStart += 1
        }
        if waitingStart == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingStart = 0
            for promise in drained { promise.succeed() }
            drained.removeAll()
            return
        }
        if waitingStart > 1024 {
            waiting.removeFirst(waitingStart)
            waitingStart = 0
        }
        scheduleRetry(on: loop)
    }

    /// Records the size of connection `id`'s unfinished message.
    func update(_ id: ObjectIdentifier, unfinished bytes: Int) {
        guard let old = entries[id] else { return }
        unfinished += bytes - old.unfinished
        entries[id]?.unfinished = bytes
    }

    /// Forgets a connection (idempotent).
    func remove(_ id: ObjectIdentifier) {
        guard let old = entries.removeValue(forKey: id) else { return }
        unfinished -= old.unfinished
    }

    /// Disconnects the largest holders of unfinished messages while together they hold more than the cap.
    func enforce() {
        while unfinished > maxTotal {
            var largest: (id: ObjectIdentifier, unfinished: Int)?
            for (id, entry) in entries where entry.unfinished > (largest?.unfinished ?? 0) { largest = (id, entry.unfinished) }
            guard let largest, let entry = entries[largest.id] else { return }
            remove(largest.id)
            if let count = log.note() {
                logger.warning(
                    "TCP connections hold more than --max-total-buffer \(maxTotal) bytes of unfinished messages: disconnecting the ones holding the largest (\(count) since the last such line)"
                )
            }
            entry.disconnect()
        }
    }
}

/// Logs a recurring condition at most once per interval: ``note()`` says when to log, and how many times
/// the condition occurred since the last line (this one included).
struct IntervalLog {
    var interval: TimeAmount = .seconds(10)
    private var lastLogged: NIODeadline?
    private var count = 0

    init(interval: TimeAmount = .seconds(10)) {
        self.interval = interval
    }

    mutating func note() -> Int? {
        count += 1
        let now = NIODeadline.now()
        if let lastLogged, now - lastLogged < interval { return nil }
        lastLogged = now
        defer { count = 0 }
        return count
    }
}
