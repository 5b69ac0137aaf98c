// The alert store's tests.
import Foundation
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

@testable import VigilStore

/// Writing through the store's output and reading back: every filter, pagination, duplicates, episodes.
@Suite(.timeLimit(.minutes(1))) struct AlertStoreTests {
    /// Twelve alerts over three episodes, two rules, tiers 1-3, levels and hosts.
    static let sample: [TestAlert] = [
        TestAlert(number: 1, episode: 10, state: "opened", count: 1, tier: 1, second: 100),
        TestAlert(number: 2, episode: 10, state: "updated", count: 5, tier: 1, second: 200),
        TestAlert(number: 3, episode: 10, state: "closed", count: 9, tier: 2, second: 300),
        TestAlert(
            number: 4, episode: 20, state: "opened", ruleID: "rule-2", ruleName: nil, title: "Port scan", level: "medium", tier: 1,
            kind: "correlation", entity: ["src_ip": "203.0.113.7", "dst": nil], host: nil, second: 150, message: "needle"),
        TestAlert(
            number: 5, episode: 20, state: "updated", count: 40, ruleID: "rule-2", ruleName: nil, title: "Port scan", level: "medium",
            tier: 1, kind: "correlation", entity: ["src_ip": "203.0.113.7", "dst": nil], host: nil, second: 250),
        TestAlert(number: 6, episode: 30, state: "opened", level: "critical", tier: 3, entity: ["host": "db-1"], host: "db-1", second: 400),
        TestAlert(number: 7, episode: nil, level: "low", tier: 1, entity: [:], host: "web-2", second: 50),
        TestAlert(
            number: 8, episode: 30, state: "updated", count: 3, level: "critical", tier: 3, entity: ["host": "db-1"], host: "db-1",
            second: 400),
        TestAlert(number: 9, episode: 40, tier: 2, entity: ["host": "web-1%_"], second: 500),
        TestAlert(number: 10, episode: 41, tier: 2, second: 600),
        TestAlert(number: 11, episode: 42, tier: 2, second: 700),
        TestAlert(number: 12, episode: 43, tier: 2, second: 800),
    ]

    @Test func alertsRoundTripWithTheirFields() throws {
        let fixture = try StoreFixture()
        let counts = fixture.write(Self.sample)
        #expect(counts.delivered == 12)
        #expect(counts.dropped == 0)
        let store = fixture.store

        let alert = try #require(try store.alert(id: Self.sample[3].id))
        #expect(alert.sequence == 4)
        #expect(alert.episodeID == 20)
        #expect(alert.kind == "correlation")
        #expect(alert.tier == 1)
        #expect(alert.state == "opened")
        #expect(alert.ruleID == "rule-2")
        #expect(alert.ruleTitle == "Port scan")
        #expect(alert.level == "medium")
        #expect(alert.entity == #"{"dst":null,"src_ip":"203.0.113.7"}"#)
        #expect(alert.host == nil)
        #expect(alert.time == Self.sample[3].timeNanoseconds)
        #expect(alert.detectedAt == Self.sample[3].timeNanoseconds + 1_000_000_000)
        #expect(alert.json == Self.sample[3].json)
        #expect(try store.alert(id: "ffffffffffffffffffffffffffffffff") == nil)

        // An alert without an episode is an episode of its own, with a negative id.
        let lone = try #require(try store.alert(id: Self.sample[6].id))
        #expect(lone.episodeID < 0)
        #expect(lone.entity == "{}")
        #expect(try store.episode(id: lone.episodeID)?.latestAlertID == lone.id)

        #expect(try store.sequence(ofAlert: Self.sample[4].id) == 5)
        #expect(try store.sequence(ofAlert: "nope") == nil)
        #expect(try store.alerts(after: 9, limit: 10).map(\.sequence) == [10, 11, 12])
        #expect(try store.alerts(after: 0, limit: 2).map(\.sequence) == [1, 2])
        #expect(try store.alerts(ofEpisode: 10).map(\.id) == Self.sample[0...2].map(\.id))
        #expect(try store.lastSequence() == 12)
    }

    static let filterCases: [(String, AlertQuery, [Int])] = {
        func query(_ change: (inout AlertQuery) -> Void) -> AlertQuery {
            var query = AlertQuery()
            change(&query)
            return query
        }
        let t = TestAlert.base * 1_000_000_000
        return [
            ("all, newest first (same time: latest stored first)", AlertQuery(), [12, 11, 10, 9, 8, 6, 3, 5, 2, 4, 1, 7]),
            ("from", query { $0.from = t + 400_000_000_000 }, [12, 11, 10, 9, 8, 6]),
            ("to (exclusive)", query { $0.to = t + 200_000_000_000 }, [4, 1, 7]),
            ("from and to", query { ($0.from, $0.to) = (t + 150_000_000_000, t + 300_000_000_001) }, [3, 5, 2, 4]),
            ("tiers", query { $0.tiers = [1, 3] }, [8, 6, 5, 2, 4, 1, 7]),
            ("states", query { $0.states = ["updated", "closed"] }, [8, 3, 5, 2]),
            ("rule id", query { $0.rule = "rule-2" }, [5, 4]),
            ("rule name", query { $0.rule = "rule_one" }, [12, 11, 10, 9, 8, 6, 3, 2, 1, 7]),
            ("rule title", query { $0.rule = "Port scan" }, [5, 4]),
            ("kind", query { $0.kind = "correlation" }, [5, 4]),
            ("minimum level", query { $0.minimumLevel = "critical" }, [8, 6]),
            ("minimum level medium", query { $0.minimumLevel = "medium" }, [12, 11, 10, 9, 8, 6, 3, 5, 2, 4, 1]),
            ("entity substring", query { $0.entity = "203.0.113" }, [5, 4]),
            ("entity wildcards are literal", query { $0.entity = "1%_" }, [9]),
            ("text in the evidence", query { $0.text = "needle" }, [4]),
            ("text is not a pattern", query { $0.text = "need_e" }, []),
            ("triage of the episode", query { $0.triage = [.closed] }, [3, 2, 1]),
            ("several", query { ($0.tiers, $0.minimumLevel, $0.states) = ([2, 3], "high", ["opened"]) }, [12, 11, 10, 9, 6]),
        ]
    }()

    @Test func everyFilterOfTheAlertListing() throws {
        let fixture = try StoreFixture()
        fixture.write(Self.sample)
        try fixture.store.act(.close(resolution: .benign, note: nil, exceptionUntil: nil), episode: 10, actor: "alice")
        for (name, query, expected) in Self.filterCases {
            let found = try fixture.store.alerts(query).items.map { Int($0.id, radix: 16)! }
            #expect(found == expected, "\(name)")
        }
        var bad = AlertQuery()
        bad.minimumLevel = "severe"
        #expect(throws: StoreError.self) { try fixture.store.alerts(bad) }
    }

    @Test(arguments: [1, 2, 5, 11, 12, 100])
    func pagesFollowEachOtherWithoutGapOrRepeat(pageSize: Int) throws {
        let fixture = try StoreFixture()
        fixture.write(Self.sample)
        var query = AlertQuery()
        query.limit = pageSize
        var seen: [Int] = []
        var pages = 0
        while true {
            let page = try fixture.store.alerts(query)
            seen += page.items.map { Int($0.id, radix: 16)! }
            pages += 1
            guard let next = page.next else { break }
            #expect(page.items.count == pageSize)
            query.cursor = next
        }
        #expect(seen == Self.filterCases[0].2)
        #expect(pages == (12 + pageSize - 1) / pageSize)

        // Episodes page the same way.
        var episodeQuery = AlertQuery()
        episodeQuery.limit = pageSize
        var episodes: [Int64] = []
        while true {
            let page = try fixture.store.episodes(episodeQuery)
            episodes += page.items.map(\.episodeID)
            guard let next = page.next else { break }
            episodeQuery.cursor = next
        }
        #expect(episodes.count == 8)
        #expect(Set(episodes).count == 8)
        #expect(episodes.prefix(4) == [43, 42, 41, 40])
    }

    @Test func aCursorNotMadeByTheStoreIsRefused() throws {
        let fixture = try StoreFixture()
        for cursor in ["", "garbage", "ZTox", "!!!", String(repeating: "A", count: 400)] {
            var query = AlertQuery()
            query.cursor = cursor
            #expect(throws: StoreError.self, "\(cursor)") { try fixture.store.alerts(query) }
        }
        // An episode cursor is not an alert cursor.
        var query = AlertQuery()
        query.cursor = Cursor.encode(kind: "e", 1, 2)
        #expect(throws: StoreError.invalidQuery("bad cursor")) { try fixture.store.alerts(query) }
    }

    @Test func duplicatesAreStoredOnceAndCountedOnce() throws {
        let fixture = try StoreFixture()
        fixture.write(Array(Self.sample[0...1]))
        // A spool re-delivered: the same alerts again, then the next.
        let counts = fixture.write(Array(Self.sample[0...2]))
        #expect(counts.delivered == 3)
        #expect(try fixture.store.alerts(AlertQuery()).items.count == 3)
        let episode = try #require(try fixture.store.episode(id: 10))
        #expect(episode.count == 9)
        #expect(episode.latestSequence == (try fixture.store.sequence(ofAlert: Self.sample[2].id)))
        #expect(episode.latestAlertID == Self.sample[2].id)
        // Within one batch too.
        fixture.write([Self.sample[3], Self.sample[3]])
        #expect(try fixture.store.alerts(ofEpisode: 20).count == 1)
    }

    @Test func episodesFollowTheirLatestAlert() throws {
        let fixture = try StoreFixture()
        fixture.write(Self.sample)
        let episode = try #require(try fixture.store.episode(id: 10))
        #expect(episode.kind == "detection")
        #expect(episode.ruleID == "rule-1")
        #expect(episode.ruleTitle == "Rule one")
        #expect(episode.level == "high")
        #expect(episode.entity == #"{"host":"web-1"}"#)
        #expect(episode.host == "web-1")
        #expect(episode.tier == 2)  // the closed alert escalated
        #expect(episode.alertState == "closed")
        #expect(episode.count == 9)
        #expect(episode.firstSeen == Self.sample[0].timeNanoseconds)
        #expect(episode.lastSeen == Self.sample[2].timeNanoseconds)
        #expect(episode.latestAlertID == Self.sample[2].id)
        #expect(episode.latestSequence == 3)
        #expect(episode.triage == .new)
        #expect(episode.resolution == nil)
        #expect(try fixture.store.episode(id: 999) == nil)

        // Filters on episodes.
        var query = AlertQuery()
        query.states = ["updated"]
        #expect(try fixture.store.episodes(query).items.map(\.episodeID) == [30, 20])
        query = AlertQuery()
        query.tiers = [3]
        #expect(try fixture.store.episodes(query).items.map(\.episodeID) == [30])
        query = AlertQuery()
        query.text = "needle"
        #expect(try fixture.store.episodes(query).items.map(\.episodeID) == [20])
        query = AlertQuery()
        query.from = Self.sample[5].timeNanoseconds
        query.to = Self.sample[9].timeNanoseconds
        #expect(try fixture.store.episodes(query).items.map(\.episodeID) == [40, 30])

        try fixture.store.act(.acknowledge(note: nil), episode: 30, actor: "bob")
        query = AlertQuery()
        query.triage = [.acknowledged]
        #expect(try fixture.store.episodes(query).items.map(\.episodeID) == [30])

        let counts = try fixture.store.episodeCounts()
        #expect(counts[1] == [.new: 2, .acknowledged: 0, .escalated: 0, .closed: 0])
        #expect(counts[2] == [.new: 5, .acknowledged: 0, .escalated: 0, .closed: 0])
        #expect(counts[3] == [.new: 0, .acknowledged: 1, .escalated: 0, .closed: 0])
    }

    @Test func anAlertForAClosedEpisodeReopensItUnlessItIsItsClosedAlert() throws {
        let fixture = try StoreFixture()
        fixture.write(Array(Self.sample[0...0]))
        try fixture.store.act(.close(resolution: .truePositive, note: "handled", exceptionUntil: nil), episode: 10, actor: "alice")

        fixture.write(Array(Self.sample[1...1]))  // updated: reopens
        var episode = try #require(try fixture.store.episode(id: 10))
        #expect(episode.triage == .new)
        #expect(episode.resolution == nil)
        #expect(try fixture.store.history(episode: 10).map(\.action) == ["close", "reopened"])
        #expect(try fixture.store.history(episode: 10).last?.actor == "vigil")

        try fixture.store.act(.close(resolution: .benign, note: nil, exceptionUntil: nil), episode: 10, actor: "alice")
        fixture.write(Array(Self.sample[2...2]))  // its own closed alert: stays closed
        episode = try #require(try fixture.store.episode(id: 10))
        #expect(episode.triage == .closed)
        #expect(episode.resolution == .benign)
        #expect(episode.alertState == "closed")
        #expect(try fixture.store.history(episode: 10).map(\.action) == ["close", "reopened", "close"])
    }

    @Test func oneBatchWithSeveralAlertsOfAnEpisodeActsAsOneAlertAtATime() throws {
        let fixture = try StoreFixture()
        fixture.write(Array(Self.sample[0...0]))
        try fixture.store.act(.close(resolution: .benign, note: nil, exceptionUntil: nil), episode: 10, actor: "alice")
        var updated = Self.sample[1]
        updated.host = nil
        updated.second = 50  // earlier than the first: first_seen moves back
        fixture.write([updated, Self.sample[3], Self.sample[2]])  // episode 10: updated (reopens), then closed
        let episode = try #require(try fixture.store.episode(id: 10))
        #expect(episode.triage == .new)
        #expect(episode.alertState == "closed")
        #expect(episode.count == 9)
        #expect(episode.tier == 2)
        #expect(episode.host == "web-1")
        #expect(episode.firstSeen == updated.timeNanoseconds)
        #expect(episode.lastSeen == Self.sample[2].timeNanoseconds)
        #expect(episode.latestAlertID == Self.sample[2].id)
        #expect(episode.latestSequence == (try fixture.store.sequence(ofAlert: Self.sample[2].id)))
        #expect(try fixture.store.history(episode: 10).map(\.action) == ["close", "reopened"])
        #expect(try fixture.store.episode(id: 20)?.latestAlertID == Self.sample[3].id)
    }

    @Test func theStoreComesBackAfterARestart() throws {
        let fixture = try StoreFixture()
        fixture.write(Self.sample)
        try fixture.store.act(.acknowledge(note: "looking"), episode: 10, actor: "alice")
        try fixture.store.act(.escalate(toTier: 3, note: "bad"), episode: 10, actor: "alice")
        let until = wallClockNanoseconds() + 3_600_000_000_000
        try fixture.store.act(.close(resolution: .falsePositive, note: "scanner", exceptionUntil: until), episode: 20, actor: "bob")
        let before = try fixture.store.history(episode: 10) + fixture.store.history(episode: 20)
        let episodesBefore = try fixture.store.episodes(AlertQuery()).items

        try fixture.reopen()
        #expect(try fixture.store.history(episode: 10) + fixture.store.history(episode: 20) == before)
        #expect(try fixture.store.episodes(AlertQuery()).items == episodesBefore)
        #expect(try fixture.store.episode(id: 10)?.tier == 3)
        #expect(try fixture.store.episode(id: 20)?.triage == .closed)
        let exceptions = try fixture.store.exceptions(includingExpired: false)
        #expect(exceptions.count == 1)
        #expect(exceptions.first?.ruleID == "rule-2")
        #expect(fixture.store.exceptionList.active.map(\.id) == exceptions.map(\.id))
        #expect(try fixture.store.lastSequence() == 12)
        // Sequences go on from where they were.
        fixture.write([TestAlert(number: 99, episode: 10, state: "updated", count: 12, second: 900)])
        #expect(try fixture.store.sequence(ofAlert: TestAlert(number: 99).id) == 13)
        // The escalated tier holds against a lower alert tier.
        #expect(try fixture.store.episode(id: 10)?.tier == 3)
    }

    @Test func pruneDeletesOldAlertsAndWhatIsLeftWithoutAlerts() throws {
        let fixture = try StoreFixture()
        var old = Self.sample
        for index in old.indices { old[index].detectedSecond = 1000 }
        old[2].detectedSecond = 5000  // episode 10 keeps its closed alert
        fixture.write(old)
        try fixture.store.act(.acknowledge(note: nil), episode: 10, actor: "alice")
        try fixture.store.act(.acknowledge(note: nil), episode: 20, actor: "alice")

        let cutoff = (TestAlert.base + 2000) * 1_000_000_000
        #expect(try fixture.store.prune(before: cutoff) == 11)
        #expect(try fixture.store.alerts(AlertQuery()).items.map(\.id) == [old[2].id])
        #expect(try fixture.store.episodes(AlertQuery()).items.map(\.episodeID) == [10])
        #expect(try fixture.store.history(episode: 10).count == 1)
        #expect(try fixture.store.history(episode: 20).isEmpty)
        #expect(try fixture.store.prune(before: cutoff) == 0)
    }

    @Test func retentionPrunesAtOpen() throws {
        let fixture = try StoreFixture()
        let now = Int(wallClockNanoseconds() / 1_000_000_000 - TestAlert.base)
        var alerts = Array(Self.sample[0...3])
        for index in alerts.indices { alerts[index].detectedSecond = index < 2 ? now - 2 * 86_400 : now - 60 }
        fixture.write(alerts)
        fixture.store.close()
        let store = try AlertStore(directory: fixture.directory.file("state"), retention: .seconds(86_400), logger: fixture.log.logger)
        defer { store.close() }
        #expect(try store.alerts(AlertQuery()).items.map(\.id) == [alerts[2].id, alerts[3].id])
        #expect(!fixture.log.messages(containing: "deleted 2 alerts older than the retention").isEmpty)
    }

    @Test func aLineThatIsNotAnAlertIsLoggedAndCountedNotStored() throws {
        let fixture = try StoreFixture()
        var batch = lines([Self.sample[0]])
        batch.append(tier: 1) { $0.append(contentsOf: #"{"not":"an alert"}"#.utf8) }
        batch.append(tier: 1) { $0.append(contentsOf: "garbage".utf8) }
        batch.append(contentsOf: lines([Self.sample[1]]))
        let counts = fixture.write(batch)
        #expect(counts.delivered == 2)
        #expect(counts.dropped == 2)
        #expect(try fixture.store.alerts(AlertQuery()).items.count == 2)
        #expect(fixture.log.messages(containing: "was not stored").count == 2)
    }

    @Test func openingSaysWhereAndWhyItFails() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        _ = FileManager.default.createFile(atPath: directory.file("file"), contents: Data("x".utf8))
        #expect {
            _ = try AlertStore(directory: directory.file("file/state"), logger: StoreLogCapture().logger)
        } throws: { error in
            "\(error)".contains(directory.file("file/state"))
        }
        try FileManager.default.createDirectory(atPath: directory.file("db"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.file("db/alerts.sqlite"), contents: Data(repeating: 7, count: 4096))
        #expect {
            _ = try AlertStore(directory: directory.file("db"), logger: StoreLogCapture().logger)
        } throws: { error in
            "\(error)".contains(directory.file("db/alerts.sqlite"))
        }
    }

    @Test func timesParseAndPrint() {
        #expect(RFC3339.nanoseconds("2026-03-01T00:00:00Z") == TestAlert.base * 1_000_000_000)
        #expect(RFC3339.nanoseconds("2026-03-01T10:05:18.000001Z") == (TestAlert.base + 36318) * 1_000_000_000 + 1000)
        #expect(RFC3339.nanoseconds("2026-03-01T01:00:00+01:00") == TestAlert.base * 1_000_000_000)
        #expect(RFC3339.nanoseconds("1969-12-31T23:59:59.5Z") == -500_000_000)
        for bad in ["", "2026-03-01", "2026-13-01T00:00:00Z", "2026-03-01T00:00:00", "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00Zx"] {
            #expect(RFC3339.nanoseconds(bad) == nil, "\(bad)")
        }
        #expect(RFC3339.string(TestAlert.base * 1_000_000_000 + 123_456_789) == "2026-03-01T00:00:00.123456Z")
        #expect(RFC3339.string(-500_000_000) == "1969-12-31T23:59:59.500000Z")
    }
}
