import Dispatch
import Foundation
import GRDB
import Logging

/// What the store's maintenance thread shares with the rest of the store.
struct Maintenance {
    var running = false
    /// ``AlertStore/close()`` was called.
    var closed = false
    var stopping = false
    /// When alerts were last pruned (wall clock, nanoseconds).
    var lastPrune: Int64 = 0
}

extension AlertStore {
    /// How often the maintenance thread records exception counts and expiries.
    static let maintenanceInterval = Duration.seconds(30)
    /// How often it prunes alerts past the retention.
    static let pruneInterval = Duration.seconds(3600)

    func startMaintenance() {
        let now = wallClockNanoseconds()
        let thread = Thread { [self] in
            while true {
                _ = maintenanceWakeup.wait(timeout: .now() + .seconds(Int(Self.maintenanceInterval.components.seconds)))
                if maintenance.withLock({ $0.stopping }) { break }
                maintain(now: wallClockNanoseconds(), pruning: true)
            }
            maintenanceStopped.signal()
        }
        thread.name = "vigil-store-maintenance"
        maintenance.withLock { state in
            state.lastPrune = now
            state.running = true
        }
        thread.start()
    }

    func stopMaintenance() {
        let running = maintenance.withLock { state -> Bool in
            guard !state.stopping, state.running else { return false }
            state.stopping = true
            return true
        }
        guard running else { return }
        maintenanceWakeup.signal()
        maintenanceStopped.wait()
    }

    /// Records the exception list's counts and expiries, and prunes when the retention says so and an
    /// hour has passed. Errors are logged: maintenance tries again at its next turn.
    func maintain(now: Int64, pruning: Bool) {
        do {
            try recordExceptions(now: now)
        } catch {
            logger.warning("recording exception counts and expiries: \(error)")
        }
        guard pruning, let retention else { return }
        let due = maintenance.withLock { state -> Bool in
            guard now - state.lastPrune >= Self.nanoseconds(Self.pruneInterval) else { return false }
            state.lastPrune = now
            return true
        }
        guard due else { return }
        do {
            let pruned = try prune(before: now - Self.nanoseconds(retention))
            if pruned > 0 { logger.info("deleted \(pruned) alerts older than the retention of \(retention)") }
        } catch {
            logger.warning("pruning: \(error)")
        }
    }

    /// Writes the exception list's unsaved `applied` counts, and says once (history entry
    /// `exception_expired` by `vigil`, and a log line) which exceptions expired.
    func recordExceptions(now: Int64) throws(StoreError) {
        let expired = exceptionList.expire(now: now)
        let applied = exceptionList.takeAppliedCounts()
        guard !expired.isEmpty || !applied.isEmpty else { return }
        let entries: [TriageEntry]
        do {
            entries = try pool.write { db in
                for (id, count) in applied {
                    try db.execute(sql: "UPDATE exceptions SET applied = applied + ? WHERE id = ?", arguments: [count, id])
                }
                var entries: [TriageEntry] = []
                for exception in expired {
                    try db.execute(sql: "UPDATE exceptions SET expired_noted = 1 WHERE id = ?", arguments: [exception.id])
                    entries.append(
                        try Self.recordHistory(
                            TriageEntry(
                                sequence: 0, episodeID: exception.episodeID, action: "exception_expired", actor: "vigil", at: now,
                                exceptionID: exception.id), db: db))
                }
                return entries
            }
        } catch {
            exceptionList.giveBack(applied)
            exceptionList.giveBackExpired(expired)
            throw .failed("recording exceptions in \(path): \(error)")
        }
        for exception in expired {
            logger.notice(
                "exception \(exception.id) for rule \(exception.ruleID) and entity \(exception.entity) expired after keeping \(exception.applied) alerts back"
            )
        }
        for entry in entries { feed.publish(entry) }
    }

    /// Deletes alerts (and the episodes and history left without an alert) whose `detected_at` is older
    /// than `before` (nanoseconds since the epoch), and exceptions that expired before it; returns how
    /// many alerts went. Deletes in slices, so that the writer is never held for long.
    @discardableResult
    public func prune(before: Int64) throws(StoreError) -> Int {
        var total = 0
        while true {
            let deleted = try write("pruning alerts before \(RFC3339.string(before))") { db -> Int in
                try db.execute(
                    sql: "DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts WHERE detected_at < ? LIMIT 10000)", arguments: [before])
                return db.changesCount
            }
            total += deleted
            if deleted < 10000 { break }
        }
        guard total > 0 else { return 0 }
        try write("pruning episodes") { db in
            try db.execute(
                sql: """
                    DELETE FROM episodes WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE alerts.episode_id = episodes.episode_id);
                    DELETE FROM history WHERE episode_id NOT IN (SELECT episode_id FROM episodes);
                    DELETE FROM exceptions WHERE expires_at < ? AND expired_noted = 1;
                    """, arguments: [before])
        }
        metrics.pruned.increment(by: total)
        return total
    }
}
