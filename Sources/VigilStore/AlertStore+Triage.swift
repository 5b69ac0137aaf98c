import GRDB
import Logging

extension AlertStore {
    /// Notes longer than this (in UTF-8 bytes) are cut, at a character boundary.
    public static let maximumNoteBytes = 4096

    /// Applies an analyst's action to an episode, records it (who, when, note) and publishes it on ``feed``.
    ///
    /// - `acknowledge`: from `new` or `escalated`.
    /// - `escalate`: to a tier above the episode's and at most 3, from any state but `closed`.
    /// - `close`: from any state but `closed`; a `false_positive` may add an exception for the rule and
    ///   entity until `exceptionUntil` (recorded as a second history entry, `exception_added`).
    ///
    /// - Returns: The history entry of the action.
    @discardableResult
    public func act(_ action: TriageAction, episode id: Int64, actor: String) throws(TriageError) -> TriageEntry {
        let now = wallClockNanoseconds()
        let result: (entries: [TriageEntry], exception: AlertException?)
        do {
            result = try pool.write { db in try Self.apply(action, episode: id, actor: actor, now: now, db: db) }
        } catch let error as TriageError {
            throw error
        } catch {
            throw .storage("acting on episode \(id) in \(path): \(error)")
        }
        if let exception = result.exception {
            exceptionList.add(exception)
            logger.notice(
                "exception \(exception.id) added by \(actor) for rule \(exception.ruleID) and entity \(exception.entity) until \(RFC3339.string(exception.expiresAt))"
            )
        }
        metrics.recordTriage(action)
        for entry in result.entries { feed.publish(entry) }
        return result.entries[0]
    }

    private static func apply(_ action: TriageAction, episode id: Int64, actor: String, now: Int64, db: Database) throws -> (
        entries: [TriageEntry], exception: AlertException?
    ) {
        guard
            let row = try Row.fetchOne(db, sql: "SELECT triage, tier, rule_id, entity FROM episodes WHERE episode_id = ?", arguments: [id])
        else { throw TriageError.unknownEpisode(id) }
        let triage = TriageState(rawValue: row[0]) ?? .new
        let tier: Int = row[1]
        var entry = TriageEntry(sequence: 0, episodeID: id, action: "", actor: actor, at: now)
        var exception: AlertException?
        switch action {
        case .acknowledge(let note):
            guard triage == .new || triage == .escalated else {
                throw TriageError.invalid("episode \(id) is \(triage.rawValue): only a new or escalated episode can be acknowledged")
            }
            entry.action = "acknowledge"
            entry.note = truncated(note)
            try db.execute(
                sql: "UPDATE episodes SET triage = 'acknowledged', updated_at = ? WHERE episode_id = ?", arguments: [now, id])
        case .escalate(let toTier, let note):
            guard triage != .closed else { throw TriageError.invalid("episode \(id) is closed: it cannot be escalated") }
            guard toTier > tier, toTier <= 3 else {
                throw TriageError.invalid("episode \(id) is at tier \(tier): it can only be escalated to a tier above, up to 3")
            }
            entry.action = "escalate"
            entry.note = truncated(note)
            entry.fromTier = tier
            entry.toTier = toTier
            try db.execute(
                sql: "UPDATE episodes SET triage = 'escalated', tier = ?, escalated_tier = ?, updated_at = ? WHERE episode_id = ?",
                arguments: [toTier, toTier, now, id])
        case .close(let resolution, let note, let exceptionUntil):
            guard triage != .closed else { throw TriageError.invalid("episode \(id) is already closed") }
            if let exceptionUntil {
                guard resolution == .falsePositive else {
                    throw TriageError.invalid("an exception can only be added when closing as false_positive")
                }
                guard exceptionUntil > now else { throw TriageError.invalid("an exception must expire in the future") }
            }
            entry.action = "close"
            entry.note = truncated(note)
            entry.resolution = resolution
            try db.execute(
                sql: "UPDATE episodes SET triage = 'closed', resolution = ?, updated_at = ? WHERE episode_id = ?",
                arguments: [resolution.rawValue, now, id])
            if let exceptionUntil {
                let ruleID: String = row[2], entity: String = row[3]
                try db.execute(
                    sql: """
                        INSERT INTO exceptions(rule_id, entity, created_at, expires_at, created_by, note, episode_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [ruleID, entity, now, exceptionUntil, actor, entry.note, id])
                exception = AlertException(
                    id: db.lastInsertedRowID, ruleID: ruleID, entity: entity, createdAt: now, expiresAt: exceptionUntil, createdBy: actor,
                    note: entry.note, episodeID: id)
            }
        }
        var entries = [try recordHistory(entry, db: db)]
        if let exception {
            entries.append(
                try recordHistory(
                    TriageEntry(
                        sequence: 0, episodeID: id, action: "exception_added", actor: actor, at: now, note: entry.note,
                        exceptionID: exception.id), db: db))
        }
        return (entries, exception)
    }

    /// `note` cut to at most ``maximumNoteBytes`` UTF-8 bytes, at a character boundary; nil when empty.
    static func truncated(_ note: String?) -> String? {
        guard let note, !note.isEmpty else { return nil }
        guard note.utf8.count > maximumNoteBytes else { return note }
        var cut = ""
        var bytes = 0
        for character in note {
            let size = character.utf8.count
            if bytes + size > maximumNoteBytes { break }
            cut.append(character)
            bytes += size
        }
        return cut
    }
}
