import Foundation
import GRDB

extension AlertStore {
    static let alertColumns =
        "seq, id, episode_id, kind, tier, state, rule_id, rule_title, level, entity, host, time, detected_at, json"
    static let episodeColumns = """
        episode_id, kind, rule_id, rule_title, level, entity, host, tier, alert_state, count, first_seen, last_seen,
        latest_alert_id, latest_seq, triage, resolution
        """

    /// Alerts, newest first (event time, then store sequence).
    public func alerts(_ query: AlertQuery) throws(StoreError) -> Page<StoredAlert> {
        var filter = try Self.filter(query, table: .alerts)
        let limit = Self.pageSize(query.limit)
        if let cursor = query.cursor {
            let (time, sequence) = try Cursor.decode(cursor, kind: "a")
            filter.add("(time, seq) < (?, ?)", [time, sequence])
        }
        let sql = "SELECT \(Self.alertColumns) FROM alerts \(filter.whereClause) ORDER BY time DESC, seq DESC LIMIT \(limit + 1)"
        let alerts = try read("listing alerts") { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(filter.arguments)).map(Self.storedAlert)
        }
        guard alerts.count > limit else { return Page(items: alerts, next: nil) }
        let last = alerts[limit - 1]
        return Page(items: Array(alerts.prefix(limit)), next: Cursor.encode(kind: "a", last.time, last.sequence))
    }

    /// Episodes (latest alert and triage state), latest activity (event time of their latest alert) first.
    public func episodes(_ query: AlertQuery) throws(StoreError) -> Page<EpisodeSummary> {
        var filter = try Self.filter(query, table: .episodes)
        let limit = Self.pageSize(query.limit)
        if let cursor = query.cursor {
            let (lastSeen, id) = try Cursor.decode(cursor, kind: "e")
            filter.add("(last_seen, episode_id) < (?, ?)", [lastSeen, id])
        }
        let sql = """
            SELECT \(Self.episodeColumns) FROM episodes \(filter.whereClause)
            ORDER BY last_seen DESC, episode_id DESC LIMIT \(limit + 1)
            """
        let episodes = try read("listing episodes") { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(filter.arguments)).map(Self.episode)
        }
        guard episodes.count > limit else { return Page(items: episodes, next: nil) }
        let last = episodes[limit - 1]
        return Page(items: Array(episodes.prefix(limit)), next: Cursor.encode(kind: "e", last.lastSeen, last.episodeID))
    }

    /// How many episodes each tier's queue holds, per triage state (every tier 1 to 3 and every state
    /// present, 0 when none): the queues' badges.
    public func episodeCounts() throws(StoreError) -> [Int: [TriageState: Int]] {
        var counts: [Int: [TriageState: Int]] = [:]
        for tier in 1...3 { counts[tier] = Dictionary(uniqueKeysWithValues: TriageState.allCases.map { ($0, 0) }) }
        let rows = try read("counting episodes") { db in
            try Row.fetchAll(db, sql: "SELECT tier, triage, COUNT(*) FROM episodes GROUP BY tier, triage")
        }
        for row in rows {
            let tier: Int = row[0]
            guard let state = TriageState(rawValue: row[1]) else { continue }
            counts[tier, default: [:]][state, default: 0] += row[2] as Int
        }
        return counts
    }

    /// One alert by its `id`.
    public func alert(id: String) throws(StoreError) -> StoredAlert? {
        try read("reading alert \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE id = ?", arguments: [id]).map(Self.storedAlert)
        }
    }

    /// One episode by its id.
    public func episode(id: Int64) throws(StoreError) -> EpisodeSummary? {
        try read("reading episode \(id)") { db in try Self.fetchEpisode(id, db: db) }
    }

    static func fetchEpisode(_ id: Int64, db: Database) throws -> EpisodeSummary? {
        try Row.fetchOne(db, sql: "SELECT \(episodeColumns) FROM episodes WHERE episode_id = ?", arguments: [id]).map(episode)
    }

    /// The alerts of an episode, oldest first.
    public func alerts(ofEpisode id: Int64) throws(StoreError) -> [StoredAlert] {
        try read("reading the alerts of episode \(id)") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE episode_id = ? ORDER BY seq", arguments: [id])
                .map(Self.storedAlert)
        }
    }

    /// Alerts stored after `sequence`, oldest first: what a stream that resumes is sent before it goes live.
    public func alerts(after sequence: Int64, limit: Int) throws(StoreError) -> [StoredAlert] {
        try read("reading alerts after \(sequence)") { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, max(0, limit)]
            ).map(Self.storedAlert)
        }
    }

    /// The store sequence of the alert `id` (a stream's `Last-Event-ID`), nil when unknown.
    public func sequence(ofAlert id: String) throws(StoreError) -> Int64? {
        try read("reading alert \(id)") { db in try Int64.fetchOne(db, sql: "SELECT seq FROM alerts WHERE id = ?", arguments: [id]) }
    }

    /// The latest store sequence (0 while empty).
    public func lastSequence() throws(StoreError) -> Int64 {
        try read("reading the last sequence") { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM alerts") ?? 0 }
    }

    /// An episode's history, oldest first.
    public func history(episode id: Int64) throws(StoreError) -> [TriageEntry] {
        try read("reading the history of episode \(id)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, episode_id, action, actor, at, note, from_tier, to_tier, resolution, exception_id
                    FROM history WHERE episode_id = ? ORDER BY seq
                    """, arguments: [id]
            ).map(Self.historyEntry)
        }
    }

    /// Exceptions, newest first, the expired ones too when asked; `applied` includes what the exception
    /// list counted and has not written yet.
    public func exceptions(includingExpired: Bool) throws(StoreError) -> [AlertException] {
        let now = wallClockNanoseconds()
        var exceptions = try read("reading exceptions") { db in
            try Self.fetchExceptions(
                db, sql: includingExpired ? "" : "WHERE expires_at > ?", arguments: includingExpired ? [] : [now])
        }
        let unsaved = exceptionList.unsavedCounts()
        for index in exceptions.indices { exceptions[index].applied += unsaved[exceptions[index].id] ?? 0 }
        return exceptions
    }

    static func fetchExceptions(_ db: Database, sql condition: String, arguments: StatementArguments) throws -> [AlertException] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, rule_id, entity, created_at, expires_at, created_by, note, episode_id, applied
                FROM exceptions \(condition) ORDER BY id DESC
                """, arguments: arguments
        ).map { row in
            AlertException(
                id: row[0], ruleID: row[1], entity: row[2], createdAt: row[3], expiresAt: row[4], createdBy: row[5], note: row[6],
                episodeID: row[7], applied: row[8])
        }
    }

    // MARK: Rows

    static func storedAlert(_ row: Row) -> StoredAlert {
        StoredAlert(
            sequence: row[0], id: row[1], episodeID: row[2], kind: row[3], tier: row[4], state: row[5], ruleID: row[6], ruleTitle: row[7],
            level: row[8], entity: row[9], host: row[10], time: row[11], detectedAt: row[12], json: row[13])
    }

    static func episode(_ row: Row) -> EpisodeSummary {
        EpisodeSummary(
            episodeID: row[0], kind: row[1], ruleID: row[2], ruleTitle: row[3], level: row[4], entity: row[5], host: row[6], tier: row[7],
            alertState: row[8], count: row[9], firstSeen: row[10], lastSeen: row[11], latestAlertID: row[12], latestSequence: row[13],
            triage: TriageState(rawValue: row[14]) ?? .new, resolution: (row[15] as String?).flatMap(Resolution.init(rawValue:)))
    }

    static func historyEntry(_ row: Row) -> TriageEntry {
        TriageEntry(
            sequence: row[0], episodeID: row[1], action: row[2], actor: row[3], at: row[4], note: row[5], fromTier: row[6], toTier: row[7],
            resolution: (row[8] as String?).flatMap(Resolution.init(rawValue:)), exceptionID: row[9])
    }

    // MARK: Filters

    enum Table { case alerts, episodes }

    /// A WHERE clause and its arguments, built from fixed SQL fragments: values only ever go in as arguments.
    struct Filter {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []

        mutating func add(_ condition: String, _ values: [(any DatabaseValueConvertible)?]) {
            conditions.append(condition)
            arguments.append(contentsOf: values)
        }

        mutating func add(in column: String, _ values: [some DatabaseValueConvertible]) {
            guard !values.isEmpty else { return }
            add("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))", values)
        }

        var whereClause: String { conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") }
    }

    static func pageSize(_ limit: Int) -> Int { min(1000, max(1, limit)) }

    static func filter(_ query: AlertQuery, table: Table) throws(StoreError) -> Filter {
        var filter = Filter()
        switch table {
        case .alerts:
            if let from = query.from { filter.add("time >= ?", [from]) }
            if let to = query.to { filter.add("time < ?", [to]) }
            filter.add(in: "state", query.states.sorted())
            if !query.triage.isEmpty {
                let states = query.triage.map(\.rawValue).sorted()
                filter.add(
                    "episode_id IN (SELECT episode_id FROM episodes WHERE triage IN (\(states.map { _ in "?" }.joined(separator: ","))))",
                    states)
            }
            if let text = query.text, !text.isEmpty { filter.add(#"json LIKE ? ESCAPE '\'"#, [likePattern(text)]) }
        case .episodes:
            // An episode is in the range when any of its alerts could be.
            if let from = query.from { filter.add("last_seen >= ?", [from]) }
            if let to = query.to { filter.add("first_seen < ?", [to]) }
            filter.add(in: "alert_state", query.states.sorted())
            filter.add(in: "triage", query.triage.map(\.rawValue).sorted())
            if let text = query.text, !text.isEmpty {
                filter.add(
                    #"EXISTS (SELECT 1 FROM alerts WHERE alerts.episode_id = episodes.episode_id AND alerts.json LIKE ? ESCAPE '\')"#,
                    [likePattern(text)])
            }
        }
        filter.add(in: "tier", query.tiers.sorted())
        if let rule = query.rule, !rule.isEmpty { filter.add("(rule_id = ? OR rule_name = ? OR rule_title = ?)", [rule, rule, rule]) }
        if let kind = query.kind, !kind.isEmpty { filter.add("kind = ?", [kind]) }
        if let level = query.minimumLevel, !level.isEmpty {
            guard let levels = SigmaLevel.atLeast(level) else {
                throw .invalidQuery("unknown level '\(level)' (one of \(SigmaLevel.ordered.joined(separator: ", ")))")
            }
            filter.add(in: "level", levels)
        }
        if let entity = query.entity, !entity.isEmpty { filter.add(#"entity LIKE ? ESCAPE '\'"#, [likePattern(entity)]) }
        return filter
    }

    /// `%text%` with LIKE's wildcards in `text` taken literally.
    static func likePattern(_ text: String) -> String {
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

/// The opaque position of a listing's next page: the sort key of the last item shown.
enum Cursor {
    static func encode(kind: String, _ first: Int64, _ second: Int64) -> String {
        Data("\(kind):\(first):\(second)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String, kind: String) throws(StoreError) -> (Int64, Int64) {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.utf8.count <= 100, let data = Data(base64Encoded: base64) else { throw .invalidQuery("bad cursor") }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":")
        guard parts.count == 3, parts[0] == kind, let first = Int64(parts[1]), let second = Int64(parts[2]) else {
            throw .invalidQuery("bad cursor")
        }
        return (first, second)
    }
}
