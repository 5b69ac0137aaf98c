import GRDB
import Logging
import VigilAlert
import VigilOutput

/// Writes the store output's batches: one transaction per ``send(_:deadline:)``, used from the
/// output's thread only.
final class StoreTransport: AlertTransport {
    let store: AlertStore
    /// Large batches keep transactions (and their fsyncs) few when alerts come fast; a batch is at most
    /// a few MiB of JSON, so a transaction stays short for readers and analysts' actions.
    let batchLimit = AlertBatchLimit(alerts: 4096, bytes: 8 << 20)

    init(store: AlertStore) { self.store = store }

    func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        var records: [AlertRecord] = []
        records.reserveCapacity(alerts.count)
        var unsendable = 0
        for index in 0..<alerts.count {
            let range = alerts.range(of: index)
            do {
                records.append(try AlertRecord.parse(alerts.bytes[range.lowerBound..<(range.upperBound - 1)]))
            } catch {
                // Not an alert the store can index (never written by vigil): kept out, counted as
                // dropped by the output, and said.
                unsendable += 1
                store.logger.error("alert store: an alert line was not stored: \(error)")
            }
        }
        do {
            try store.insert(records)
        } catch {
            return AlertTransportOutcome(done: 0, problem: .receiverDown("\(error)"))
        }
        return AlertTransportOutcome(done: alerts.count, unsendable: unsendable)
    }

    func close() {}
}

extension AlertStore {
    /// Stores `records` in one transaction (alerts already stored are skipped: a spool delivers at
    /// least once), upserts their episodes, then publishes what was stored on ``feed``.
    func insert(_ records: [AlertRecord]) throws(StoreError) {
        let start = ContinuousClock.now
        let applied = exceptionList.takeAppliedCounts()
        let now = wallClockNanoseconds()
        let result: (stored: [StoredAlert], reopened: [TriageEntry])
        do {
            result = try pool.write { db in
                let stored = try Self.insert(records, now: now, db: db)
                for (id, count) in applied {
                    try db.execute(sql: "UPDATE exceptions SET applied = applied + ? WHERE id = ?", arguments: [count, id])
                }
                return stored
            }
        } catch {
            exceptionList.giveBack(applied)
            throw .failed("writing \(records.count) alerts to \(path): \(error)")
        }
        metrics.recordWrite(stored: result.stored, offered: records.count, took: ContinuousClock.now - start)
        if !result.stored.isEmpty { feed.publish(result.stored) }
        for entry in result.reopened {
            logger.info("episode \(entry.episodeID) reopened by a new alert")
            feed.publish(entry)
        }
    }

    private static func insert(_ records: [AlertRecord], now: Int64, db: Database) throws -> (
        stored: [StoredAlert], reopened: [TriageEntry]
    ) {
        var insertAlert = RawStatement(
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO alerts(id, episode_id, kind, tier, state, rule_id, rule_name, rule_title, level, entity, host,
                        time, detected_at, json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """), db: db)
        // Returns the episode's triage state, to reopen a closed one without reading it first.
        var upsertEpisode = RawStatement(
            try db.cachedStatement(
                sql: """
                    INSERT INTO episodes(episode_id, kind, rule_id, rule_name, rule_title, level, entity, host, tier, alert_state, count,
                        first_seen, last_seen, latest_alert_id, latest_seq, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(episode_id) DO UPDATE SET
                        kind = excluded.kind, rule_name = excluded.rule_name, rule_title = excluded.rule_title, level = excluded.level,
                        host = COALESCE(excluded.host, host), tier = MAX(excluded.tier, COALESCE(escalated_tier, 0)),
                        alert_state = excluded.alert_state, count = excluded.count, first_seen = MIN(first_seen, excluded.first_seen),
                        last_seen = MAX(last_seen, excluded.last_seen), latest_alert_id = excluded.latest_alert_id,
                        latest_seq = excluded.latest_seq, updated_at = excluded.updated_at
                    RETURNING triage
                    """), db: db)
        var reopen = RawStatement(
            try db.cachedStatement(sql: "UPDATE episodes SET triage = 'new', resolution = NULL WHERE episode_id = ?"), db: db)
        var stored: [StoredAlert] = []
        stored.reserveCapacity(records.count)
        // One upsert per episode and batch, from its latest alert: a burst of alerts of one episode
        // (a flood of `updated` alerts) costs one episode write, not one each. Equivalent to one per
        // alert: nothing else changes an episode inside the transaction.
        var folds: [Int64: EpisodeFold] = [:]
        var order: [Int64] = []
        for record in records {
            insertAlert.bind(record.id)
            insertAlert.bind(record.episodeID)
            insertAlert.bind(record.kind)
            insertAlert.bind(record.tier)
            insertAlert.bind(record.state)
            insertAlert.bind(record.ruleID)
            insertAlert.bind(record.ruleName)
            insertAlert.bind(record.ruleTitle)
            insertAlert.bind(record.level)
            insertAlert.bind(record.entity)
            insertAlert.bind(record.host)
            insertAlert.bind(record.time)
            insertAlert.bind(record.detectedAt)
            insertAlert.bind(record.json)
            try insertAlert.run()
            // A duplicate (a re-delivered spool batch): stored once, its episode not counted again.
            guard db.changesCount == 1 else { continue }
            let sequence = db.lastInsertedRowID
            if folds[record.episodeID]?.add(record, sequence: sequence) == nil {
                folds[record.episodeID] = EpisodeFold(record, sequence: sequence)
                order.append(record.episodeID)
            }
            stored.append(
                StoredAlert(
                    sequence: sequence, id: record.id, episodeID: record.episodeID, kind: record.kind, tier: record.tier,
                    state: record.state, ruleID: record.ruleID, ruleTitle: record.ruleTitle, level: record.level,
                    entity: record.entity, host: record.host, time: record.time, detectedAt: record.detectedAt, json: record.json))
        }
        var reopened: [TriageEntry] = []
        for episodeID in order {
            let fold = folds[episodeID]!
            let latest = fold.latest
            upsertEpisode.bind(episodeID)
            upsertEpisode.bind(latest.kind)
            upsertEpisode.bind(latest.ruleID)
            upsertEpisode.bind(latest.ruleName)
            upsertEpisode.bind(latest.ruleTitle)
            upsertEpisode.bind(latest.level)
            upsertEpisode.bind(latest.entity)
            upsertEpisode.bind(fold.host)
            upsertEpisode.bind(latest.tier)
            upsertEpisode.bind(latest.state)
            upsertEpisode.bind(latest.count)
            upsertEpisode.bind(fold.firstSeen)
            upsertEpisode.bind(fold.lastSeen)
            upsertEpisode.bind(latest.id)
            upsertEpisode.bind(fold.latestSequence)
            upsertEpisode.bind(now)
            let triage = try upsertEpisode.run()
            if fold.continues, triage == TriageState.closed.rawValue {
                // An episode an analyst closed that keeps going: back in the queue.
                reopen.bind(episodeID)
                try reopen.run()
                reopened.append(
                    try recordHistory(TriageEntry(sequence: 0, episodeID: episodeID, action: "reopened", actor: "vigil", at: now), db: db))
            }
        }
        return (stored, reopened)
    }

    /// Appends `entry` to the history; returns it with its sequence.
    static func recordHistory(_ entry: TriageEntry, db: Database) throws -> TriageEntry {
        try db.execute(
            sql: """
                INSERT INTO history(episode_id, action, actor, at, note, from_tier, to_tier, resolution, exception_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.episodeID, entry.action, entry.actor, entry.at, entry.note, entry.fromTier, entry.toTier,
                entry.resolution?.rawValue, entry.exceptionID,
            ])
        var entry = entry
        entry.sequence = db.lastInsertedRowID
        return entry
    }
}

/// What a batch's alerts of one episode make of its row.
struct EpisodeFold {
    /// The episode's latest alert in the batch (the last stored).
    var latest: AlertRecord
    var latestSequence: Int64
    var firstSeen: Int64
    var lastSeen: Int64
    /// The latest host any of the alerts named.
    var host: String?
    /// An `opened` or `updated` alert came: an episode an analyst closed reopens.
    var continues: Bool

    init(_ record: AlertRecord, sequence: Int64) {
        latest = record
        latestSequence = sequence
        firstSeen = record.time
        lastSeen = record.time
        host = record.host
        continues = record.state != "closed"
    }

    mutating func add(_ record: AlertRecord, sequence: Int64) {
        latest = record
        latestSequence = sequence
        firstSeen = min(firstSeen, record.time)
        lastSeen = max(lastSeen, record.time)
        if let host = record.host { self.host = host }
        if record.state != "closed" { continues = true }
    }
}
