import Logging
import NIOCore

/// What the TCP connections of a run hold in memory, and the cap on all of it together
/// (``ListenerConfiguration/maxTotalBuffer``).
///
/// A connection holds an incomplete message (the framer's partial frame) and the messages it framed but
/// has not handed to the pipeline yet. When the total goes over the cap, the connections holding the
/// largest incomplete messages are disconnected until it is under again: a sender that trickles huge
/// unfinished messages over many connections goes first, while batches waiting for room in the pipeline
/// (bounded per connection) are never thrown away.
final class ConnectionBudget: @unchecked Sendable {
    // @unchecked: every member is read and written on the listeners' one event-loop thread only
    // (ListenerGroup runs a single-threaded event loop group; handlers call in from there).
    private struct Entry {
        var held = 0
        var partial = 0
        let disconnect: () -> Void
    }

    let maxTotal: Int
    private(set) var total = 0
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var log = IntervalLog()
    private let logger: Logger

    init(maxTotal: Int, logger: Logger) {
        self.maxTotal = maxTotal
        self.logger = logger
    }

    func register(_ id: ObjectIdentifier, disconnect: @escaping () -> Void) {
        entries[id] = Entry(disconnect: disconnect)
    }

    /// Records what connection `id` holds now.
    func update(_ id: ObjectIdentifier, held: Int, partial: Int) {
        guard let old = entries[id] else { return }
        total += held - old.held
        entries[id]?.held = held
        entries[id]?.partial = partial
    }

    /// Forgets a connection (idempotent).
    func remove(_ id: ObjectIdentifier) {
        guard let old = entries.removeValue(forKey: id) else { return }
        total -= old.held
    }

    /// Disconnects the largest holders of incomplete messages while the total is over the cap.
    func enforce() {
        while total > maxTotal {
            var largest: (id: ObjectIdentifier, partial: Int)?
            for (id, entry) in entries where entry.partial > (largest?.partial ?? 0) { largest = (id, entry.partial) }
            guard let largest, let entry = entries[largest.id] else { return }
            remove(largest.id)
            if let count = log.note() {
                logger.warning(
                    "TCP connections hold more than --max-total-buffer \(maxTotal) bytes: disconnecting the ones holding the largest incomplete messages (\(count) since the last such line)"
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
