import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Small, exact scenarios: episodes, lateness, idle input, memory bounds.
@Suite struct EngineBehaviourTests {
    /// A rule set from correlation YAML over two stand-in detection rules, `failed` (0) and `accepted` (1).
    static func ruleSet(_ yaml: String) throws -> CorrelationRuleSet {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-engine-\(UUID().uuidString).yml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let (set, diagnostics) = CorrelationRuleSet.compile(SigmaFileLoader.load(paths: [url.path]).documents) {
            ["failed": RuleID(0), "accepted": RuleID(1)][$0]
        }
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return set
    }

    static let t0 = Timestamp(CivilTime(year: 2026, month: 1, day: 10, hour: 12))

    static func detection(_ rule: UInt32, at seconds: Double, _ fields: [String: String], sequence: UInt64) -> Detection {
        Detection(
            rule: RuleID(rule), time: t0.advanced(by: .milliseconds(Int64(seconds * 1000))), source: SourceID(0), sequence: sequence,
            values: fields.map { (name: Symbol($0.key), value: $0.value) }, event: "{\"n\":\(sequence)}")
    }

    static let bruteForce =
        "title: bf\nid: bf\ncorrelation: {type: event_count, rules: [failed], group-by: [ip], timespan: 60s, condition: {gte: 3}}\n"

    @Test func episodeOpensOnceAbsorbsAndClosesWithTotals() throws {
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(Self.bruteForce), options: CorrelationOptions(lateness: .seconds(0)))
        let times: [Double] = [0, 10, 20, 30, 40, 200, 210, 220]
        engine.ingest(times.enumerated().map { Self.detection(0, at: $1, ["ip": "10.0.0.1"], sequence: UInt64($0)) })
        let alerts = engine.advance() + engine.finish()
        #expect(alerts.map { $0.episode?.state } == [.opened, .closed, .opened, .closed])
        let (open, close) = (alerts[0], alerts[1])
        #expect(open.time == Self.t0.advanced(by: .seconds(20)))
        #expect(open.metric?.value == 3)
        #expect(open.episode?.events == 3)
        #expect(open.events == ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"])
        #expect(close.time == Self.t0.advanced(by: .seconds(100)))
        #expect(close.episode?.id == open.episode?.id)
        #expect(close.episode?.windows == 3)
        #expect(close.episode?.events == 5)
        #expect(close.metric?.value == 5)
        #expect(close.windowStart == Self.t0.advanced(by: .seconds(-40)))
        #expect(close.windowEnd == Self.t0.advanced(by: .seconds(40)))
        #expect(alerts[2].episode?.id != open.episode?.id)
    }

    @Test func outOfOrderWithinLatenessCountsAsInOrder() throws {
        let set = try Self.ruleSet(Self.bruteForce)
        func run(_ order: [Double], lateness: Int64) -> ([String], Int) {
            let engine = CorrelationEngine(ruleSet: set, options: CorrelationOptions(lateness: .seconds(lateness), emit: .all))
            var alerts: [Alert] = []
            for (i, t) in order.enumerated() {
                engine.ingest([Self.detection(0, at: t, ["ip": "a"], sequence: UInt64(t * 10))])
                _ = i
                alerts += engine.advance()
            }
            alerts += engine.finish()
            return (alerts.map { "\($0.windowEnd!.rfc3339()) \($0.metric!.value)" }, engine.stats.late)
        }
        let ordered = run([0, 5, 10, 15, 20], lateness: 5)
        #expect(ordered.0.count == 3)
        #expect(run([0, 10, 5, 20, 15], lateness: 5) == ordered)
        // Ten seconds behind with a lateness of five: late, skipped and counted.
        let late = run([0, 10, 20, 5, 15], lateness: 5)
        #expect(late.1 == 1)
        #expect(late.0 != ordered.0)
    }

    @Test func idleWallClockDecidesAbsence() throws {
        let yaml = "title: quiet\ncorrelation: {type: temporal, rules: [failed], group-by: [host], timespan: 5m, condition: not failed}\n"
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(yaml), options: CorrelationOptions(emit: .all))
        engine.ingest([Self.detection(0, at: 0, ["host": "h1"], sequence: 1)])
        #expect(engine.advance().isEmpty)
        // Input goes idle a second after the event; four minutes later nothing is decided yet, six
        // minutes later the window has closed.
        #expect(engine.idle(wallClock: Self.t0.advanced(by: .seconds(1))).isEmpty)
        #expect(engine.idle(wallClock: Self.t0.advanced(by: .seconds(241))).isEmpty)
        let alerts = engine.idle(wallClock: Self.t0.advanced(by: .seconds(361)))
        #expect(alerts.count == 1)
        #expect(alerts.first?.windowEnd == Self.t0.advanced(by: .seconds(300)))
        #expect(alerts.first?.group.first?.value == "h1")
    }

    /// A sender whose clock (or zone: RFC 3164 has none) is hours behind, or old logs replayed through a
    /// pipe: idle time moves event time by the idle time, not to the wall clock, so what comes after a
    /// pause is not late.
    @Test func idleTimeDoesNotMakeEventsBehindTheWallClockLate() throws {
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(Self.bruteForce), options: CorrelationOptions(emit: .all))
        let wallClock = Self.t0.advanced(by: .seconds(5 * 3600))
        #expect(engine.idle(wallClock: wallClock).isEmpty)  // before any event: nothing moves
        engine.ingest((0..<3).map { Self.detection(0, at: Double($0), ["ip": "a"], sequence: UInt64($0)) })
        _ = engine.advance()
        _ = engine.idle(wallClock: wallClock.advanced(by: .seconds(1)))
        _ = engine.idle(wallClock: wallClock.advanced(by: .seconds(3)))
        engine.ingest((3..<6).map { Self.detection(0, at: Double($0), ["ip": "a"], sequence: UInt64($0)) })
        let alerts = engine.advance() + engine.finish()
        #expect(engine.stats.late == 0)
        #expect(alerts.count == 4)  // windows ending at the third to the sixth failure
    }

    @Test(arguments: [1, 2, 4])
    func groupLimitIsNotReachedEarlyOnShards(shards: Int) throws {
        var options = CorrelationOptions(lateness: .seconds(0), emit: .all, shards: shards)
        options.maxGroupsPerRule = 10_000
        let ruleSet = try Self.ruleSet(Self.bruteForce)
        func run(groups: Int) -> CorrelationStats {
            let engine = CorrelationEngine(ruleSet: ruleSet, options: options)
            engine.ingest(
                (0..<groups).map { Self.detection(0, at: Double($0) / 1000, ["ip": "10.0.\($0 / 256).\($0 % 256)"], sequence: UInt64($0)) })
            _ = engine.advance() + engine.finish()
            return engine.stats
        }
        // Exactly the limit: no shard evicts, however unevenly the keys hash.
        #expect(run(groups: 10_000).evictedGroups == 0)
        // Well over it: the limit holds (each shard keeps its share plus a small headroom).
        let over = run(groups: 30_000)
        // What the shards can hold together: 10,000 plus 6 standard deviations of the split per shard.
        let held = [1: 10_000, 2: 2 * (5_000 + 300), 4: 4 * (2_500 + 260)][shards]!
        #expect(over.evictedGroups >= 30_000 - held)
        #expect(over.evictedGroups >= 30_000 - 10_000 - (shards > 1 ? 1_000 * shards : 0))
    }

    /// A rule that fires on a count (gte 3): the group furthest below the limit goes, not simply the
    /// least recently seen, so the group about to fire survives newcomers (issue 12).
    @Test func groupLimitEvictsTheGroupFurthestBelowItsThreshold() throws {
        var options = CorrelationOptions(lateness: .seconds(0), emit: .all)
        options.maxGroupsPerRule = 2
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(Self.bruteForce), options: options)
        var sequence: UInt64 = 0
        func send(_ ip: String, _ t: Double) {
            sequence += 1
            engine.ingest([Self.detection(0, at: t, ["ip": ip], sequence: sequence)])
        }
        send("a", 0)
        send("b", 1)
        send("a", 2)  // a: 2 of 3
        send("c", 3)  // evicts b (1 event; a has 2)
        send("d", 4)  // evicts c (1 event), though a was seen longer ago
        send("a", 5)  // a reaches 3: it fires
        let alerts = engine.advance() + engine.finish()
        #expect(engine.stats.evictedGroups == 2)
        #expect(alerts.count == 1 && alerts.first?.group.first?.value == "a")
        #expect(engine.stats.liveGroups == 0)
    }

    /// Rules that do not fire on high values keep least-recently-seen eviction.
    @Test func groupLimitEvictsLeastRecentlySeenForOtherRules() throws {
        let fewer =
            "title: few\nid: few\ncorrelation: {type: event_count, rules: [failed], group-by: [ip], timespan: 60s, condition: {lt: 3}}\n"
        var options = CorrelationOptions(lateness: .seconds(0), emit: .all)
        options.maxGroupsPerRule = 2
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(fewer), options: options)
        var sequence: UInt64 = 0
        func send(_ ip: String, _ t: Double) -> [Alert] {
            sequence += 1
            engine.ingest([Self.detection(0, at: t, ["ip": ip], sequence: sequence)])
            return engine.advance()
        }
        _ = send("a", 0) + send("b", 1) + send("a", 2)
        _ = send("c", 3)  // evicts b, the least recently seen
        _ = send("b", 4)  // b starts over; evicts a
        _ = send("b", 5)
        _ = send("c", 6)  // nothing: b and c are the two live groups
        _ = engine.finish()
        #expect(engine.stats.evictedGroups == 2)
    }

    @Test func valueCountForgetsValuesLeavingTheWindow() throws {
        let yaml =
            "title: vc\ncorrelation: {type: value_count, rules: [failed], group-by: [ip], timespan: 10s, condition: {field: user, gte: 1}}\n"
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(yaml), options: CorrelationOptions(lateness: .seconds(0), emit: .all))
        let users = [(0.0, "a"), (1, "b"), (2, "A"), (11.5, "c"), (12, "b"), (30, "d")]
        engine.ingest(users.enumerated().map { Self.detection(0, at: $1.0, ["ip": "x", "user": $1.1], sequence: UInt64($0)) })
        let metrics = (engine.advance() + engine.finish()).map { $0.metric!.value }
        // "A" is "a" again (2 s). At 11.5 s, "b" (last seen at 1 s) has left [1.5, 11.5]: a, c. At 12 s
        // "b" is back and "a" (2 s) is still in [2, 12]: a, b, c. At 30 s only d.
        #expect(metrics == [1, 2, 2, 2, 3, 1])
    }

    /// Group keys and distinct values compare as Sigma detection compares values (simple case folding):
    /// `ΣΊΣΥΦΟΣ` and `σίσυφος` are one user, `ſam` and `sam` one value. Lowercasing keeps the final
    /// sigma and the long s, so it made two of each.
    @Test func groupKeysAndValuesFoldAsDetectionCompares() throws {
        let perUser = "title: pu\ncorrelation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 2}}\n"
        let engine = CorrelationEngine(ruleSet: try Self.ruleSet(perUser), options: CorrelationOptions(lateness: .seconds(0), emit: .all))
        engine.ingest([
            Self.detection(0, at: 0, ["user": "ΣΊΣΥΦΟΣ"], sequence: 1), Self.detection(0, at: 1, ["user": "σίσυφος"], sequence: 2),
        ])
        let alerts = engine.advance() + engine.finish()
        #expect(alerts.map { $0.metric?.value } == [2])
        #expect(alerts.first?.group.first?.value == "σίσυφοσ")

        let distinct =
            "title: du\ncorrelation: {type: value_count, rules: [failed], group-by: [ip], timespan: 60s, condition: {field: user, gte: 1}}\n"
        let counter = CorrelationEngine(ruleSet: try Self.ruleSet(distinct), options: CorrelationOptions(lateness: .seconds(0), emit: .all))
        counter.ingest([
            Self.detection(0, at: 0, ["ip": "x", "user": "ſam"], sequence: 1),
            Self.detection(0, at: 1, ["ip": "x", "user": "SAM"], sequence: 2),
        ])
        #expect((counter.advance() + counter.finish()).map { $0.metric?.value } == [1, 1])
    }

    @Test func chainedCorrelationReadsChildWindows() throws {
        let yaml =
            Self.bruteForce.replacingOccurrences(of: "id: bf", with: "name: bf") + """
                ---
                title: bursts
                correlation: {type: event_count, rules: [bf], group-by: [ip], timespan: 10m, condition: {gte: 2}}
                """
        let set = try Self.ruleSet(yaml)
        #expect(set.rules.map(\.title) == ["bf", "bursts"])
        #expect(set.rules[0].emitsAlerts == false)
        let times: [Double] = [0, 1, 2, 100, 101, 102]
        for shards in [1, 2] {
            let engine = CorrelationEngine(ruleSet: set, options: CorrelationOptions(lateness: .seconds(0), emit: .all, shards: shards))
            engine.ingest(times.enumerated().map { Self.detection(0, at: $1, ["ip": "10.1.1.1"], sequence: UInt64($0)) })
            let alerts = engine.advance() + engine.finish()
            #expect(alerts.map(\.rule.title) == ["bursts"])
            #expect(alerts.first?.windowEnd == Self.t0.advanced(by: .seconds(102)))
            #expect(alerts.first?.events.first?.contains("\"kind\":\"correlation\"") == true)
        }
    }
}
