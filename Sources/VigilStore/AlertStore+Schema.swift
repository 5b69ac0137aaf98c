import GRDB

extension AlertStore {
    /// The schema, one registered migration per version; a store written by an older vigil is migrated
    /// when opened.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // `seq` is the rowid: listings order by (time, seq) and a live stream resumes after a seq.
            // AUTOINCREMENT so that a pruned store never hands out a sequence a stream has seen.
            try db.execute(
                sql: """
                    CREATE TABLE alerts (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        episode_id INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        tier INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        rule_id TEXT NOT NULL,
                        rule_name TEXT,
                        rule_title TEXT NOT NULL,
                        level TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        host TEXT,
                        time INTEGER NOT NULL,
                        detected_at INTEGER NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX alerts_by_time ON alerts(time);
                    CREATE INDEX alerts_by_tier ON alerts(tier, time);
                    CREATE INDEX alerts_by_rule ON alerts(rule_id, time);
                    CREATE INDEX alerts_by_episode ON alerts(episode_id);
                    CREATE INDEX alerts_by_detected_at ON alerts(detected_at);

                    CREATE TABLE episodes (
                        episode_id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        rule_id TEXT NOT NULL,
                        rule_name TEXT,
                        rule_title TEXT NOT NULL,
                        level TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        host TEXT,
                        tier INTEGER NOT NULL,
                        escalated_tier INTEGER,
                        alert_state TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        latest_alert_id TEXT NOT NULL,
                        latest_seq INTEGER NOT NULL,
                        triage TEXT NOT NULL DEFAULT 'new',
                        resolution TEXT,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX episodes_by_last_seen ON episodes(last_seen, episode_id);
                    CREATE INDEX episodes_by_tier ON episodes(tier, triage, last_seen);
                    CREATE INDEX episodes_by_rule ON episodes(rule_id, last_seen);

                    CREATE TABLE history (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        episode_id INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        note TEXT,
                        from_tier INTEGER,
                        to_tier INTEGER,
                        resolution TEXT,
                        exception_id INTEGER
                    );
                    CREATE INDEX history_by_episode ON history(episode_id, seq);

                    CREATE TABLE exceptions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        rule_id TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        note TEXT,
                        episode_id INTEGER NOT NULL,
                        applied INTEGER NOT NULL DEFAULT 0,
                        -- 1 once its expiry was recorded in the history and logged (it is said once).
                        expired_noted INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        return migrator
    }
}
