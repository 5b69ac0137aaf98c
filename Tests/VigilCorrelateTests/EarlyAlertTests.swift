import Foundation
import Testing
import VigilAlert
import VigilEvent
import VigilTestSupport

@testable import VigilCorrelate

/// Early alerts (docs/correlation.md, "Early alerts"): an episode whose condition cannot stop holding
/// (gt/gte on an event count, a distinct count, a sum of non-negative values) opens at the step that
/// makes it hold, before the watermark reaches its window; everything else waits for the watermark;
/// every episode's final state is the same in any arrival order within the lateness.
@Suite struct EarlyAlertTests {
    static let t0 = EngineBehaviourTests.t0

    static func detection(_ at: Double, _ fields: [String: String], sequence: UInt64, rule: UInt32 = 0) -> Detection {
        EngineBehaviourTests.detection(rule, at: at, fields, sequence: sequence)
    }

    static func rule(_ type: String, _ condition: String, timespan: String = "60s") throws -> CorrelationRuleSet {
        try EngineBehaviourTests.ruleSet(
            "title: r\nid: r\ncorrelation: {type: \(type), rules: [failed], group-by: [ip], timespan: \(timespan), condition: {\(condition)}}\n"
        )
    }

    static func options(lateness: Int64 = 5, early: Bool = true, shards: Int = 1) -> CorrelationOptions {
        var options = CorrelationOptions(lateness: .seconds(lateness), emit: .episodes, shards: shards)
        options.earlyAlerts = early
        return options
    }

    /// Feeds one detection per step; returns each step's alerts.
    static func steps(_ engine: CorrelationEngine, _ detections: [Detection]) -> [[Alert]] {
        detections.map { detection in
            engine.ingest([detection])
            return engine.advance()
        }
    }

    // MARK: Which conditions open early

    @Test(arguments: ["gte: 3", "gt: 2"], [true, false])
    func eventCountOpensAtTheInputThatCrossesTheThreshold(_ condition: String, early: Bool) throws {
        let engine = CorrelationEngine(ruleSet: try Self.rule("event_count", condition), options: Self.options(early: early))
        let steps = Self.steps(engine, [0, 1, 2].enumerated().map { Self.detection($1, ["ip": "a"], sequence: UInt64($0)) })
        // The watermark is 5 s behind the newest event: no window has been decided yet.
        #expect(engine.watermark.current < Self.t0.advanced(by: .seconds(0)))
        #expect(steps[0].isEmpty && steps[1].isEmpty)
        if early {
            let opened = try #require(steps[2].first)
            #expect(steps[2].count == 1)
            #expect(opened.episode?.state == .opened)
            #expect(opened.windowEnd == Self.t0.advanced(by: .seconds(2)))
            #expect(opened.metric?.value == 3)
            #expect(opened.episode?.events == 3)
            #expect(opened.events == ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"])
            #expect(engine.stats.earlyEpisodes == 1)
        } else {
            #expect(steps[2].isEmpty)
        }
        // The watermark decides the same episode: no second opening, the closing carries its id.
        let rest = engine.finish()
        #expect(rest.map { $0.episode?.state } == (early ? [.closed] : [.opened, .closed]))
        let all = steps.flatMap { $0 } + rest
        #expect(Set(all.compactMap { $0.episode?.id }).count == 1)
    }

    @Test(arguments: [true, false])
    func valueCountOpensAtTheInputThatCrossesTheThreshold(early: Bool) throws {
        let engine = CorrelationEngine(ruleSet: try Self.rule("value_count", "field: user, gte: 3"), options: Self.options(early: early))
        let users = [(0.0, "root"), (1, "root"), (2, "admin"), (3, "ROOT"), (4, "oracle")]
        let steps = Self.steps(
            engine, users.enumerated().map { Self.detection($1.0, ["ip": "a", "user": $1.1], sequence: UInt64($0)) })
        #expect(steps.prefix(4).allSatisfy { $0.isEmpty })
        if early {
            let opened = try #require(steps[4].first)
            #expect(opened.episode?.state == .opened)
            #expect(opened.windowEnd == Self.t0.advanced(by: .seconds(4)))
            #expect(opened.metric?.value == 3)
            // The last sighting of each user, oldest first.
            #expect(opened.events == ["{\"n\":2}", "{\"n\":3}", "{\"n\":4}"])
        } else {
            #expect(steps[4].isEmpty)
        }
        #expect(engine.finish().map { $0.episode?.state } == (early ? [.closed] : [.opened, .closed]))
    }

    @Test func valueSumOfNonNegativeValuesOpensEarlyAndANegativeValueWaits() throws {
        let set = try Self.rule("value_sum", "field: bytes, gte: 100")
        let positive = CorrelationEngine(ruleSet: set, options: Self.options())
        let sums = Self.steps(
            positive,
            [(0.0, "60"), (1, "30"), (2, "10.0")].enumerated().map {
                Self.detection($1.0, ["ip": "a", "bytes": $1.1], sequence: UInt64($0))
            })
        #expect(sums[2].map { $0.episode?.state } == [.opened])
        #expect(sums[2].first?.metric?.value == 100)
        _ = positive.finish()
        // A negative value in the group: a sum can fall, so the episode waits for the watermark.
        let negative = CorrelationEngine(ruleSet: set, options: Self.options())
        let mixed = Self.steps(
            negative,
            [(0.0, "80"), (1, "-10"), (2, "40")].enumerated().map {
                Self.detection($1.0, ["ip": "a", "bytes": $1.1], sequence: UInt64($0))
            })
        #expect(mixed.allSatisfy { $0.isEmpty })
        #expect(negative.finish().map { $0.episode?.state } == [.opened, .closed])
        #expect(negative.stats.earlyEpisodes == 0)
    }

    /// Conditions that can stop holding, and types other than counts and sums, wait for the watermark
    /// although their condition holds at the last input.
    @Test(arguments: [
        ("event_count", "lt: 5"), ("event_count", "lte: 5"), ("event_count", "eq: 3"), ("event_count", "neq: 4"),
        ("event_count", "gte: 2, lt: 10"), ("value_avg", "field: bytes, gte: 10"), ("value_median", "field: bytes, gte: 10"),
        ("value_percentile", "field: bytes, gte: 10, percentile: 90"),
    ])
    func otherConditionsWaitForTheWatermark(_ type: String, _ condition: String) throws {
        let engine = CorrelationEngine(ruleSet: try Self.rule(type, condition), options: Self.options())
        let steps = Self.steps(
            engine, [0, 1, 2].enumerated().map { Self.detection($1, ["ip": "a", "bytes": "50"], sequence: UInt64($0)) })
        #expect(steps.allSatisfy { $0.isEmpty }, "\(type) \(condition)")
        // The watermark passes the windows: now they are decided, and one qualifies.
        engine.ingest([Self.detection(20, ["ip": "other", "bytes": "1"], sequence: 9)])
        let decided = engine.advance()
        #expect(decided.contains { $0.episode?.state == .opened && $0.group.first?.value == "a" }, "\(type) \(condition)")
        #expect(engine.stats.earlyEpisodes == 0)
    }

    @Test func temporalRulesWaitForTheWatermark() throws {
        let set = try EngineBehaviourTests.ruleSet(
            "title: t\ncorrelation: {type: temporal, rules: [failed, accepted], group-by: [ip], timespan: 60s}\n")
        let engine = CorrelationEngine(ruleSet: set, options: Self.options())
        engine.ingest([Self.detection(0, ["ip": "a"], sequence: 1), Self.detection(1, ["ip": "a"], sequence: 2, rule: 1)])
        #expect(engine.advance().isEmpty)
        #expect(engine.finish().map { $0.episode?.state } == [.opened, .closed])
    }

    /// `--emit all` stays watermark-decided.
    @Test func emitAllWaitsForTheWatermark() throws {
        var options = Self.options()
        options.emit = .all
        let engine = CorrelationEngine(ruleSet: try Self.rule("event_count", "gte: 2"), options: options)
        let steps = Self.steps(engine, [0, 1, 2].enumerated().map { Self.detection($1, ["ip": "a"], sequence: UInt64($0)) })
        #expect(steps.allSatisfy { $0.isEmpty })
        #expect(engine.finish().count == 2)
    }

    // MARK: A late input

    /// Three failures open the episode at the third; a fourth, older one that arrives within the
    /// lateness makes a window two seconds earlier qualify: an `updated` alert (same id) moves the
    /// episode's first window, and the final state is the one of the inputs in time order.
    @Test func aLateInputMovingTheFirstWindowGivesAnUpdatedAlert() throws {
        let set = try Self.rule("event_count", "gte: 3")
        let engine = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10))
        let arrivals = [(10.0, 1), (11, 2), (12, 3), (5, 4)].map { Self.detection($0.0, ["ip": "a"], sequence: UInt64($0.1)) }
        let steps = Self.steps(engine, arrivals)
        let opened = try #require(steps[2].first)
        #expect(opened.episode?.state == .opened && opened.windowEnd == Self.t0.advanced(by: .seconds(12)))
        #expect(steps[3].isEmpty)
        let rest = engine.finish()
        #expect(rest.map { $0.episode?.state } == [.updated, .closed])
        let updated = rest[0], closed = rest[1]
        #expect(updated.episode?.id == opened.episode?.id)
        #expect(updated.windowEnd == Self.t0.advanced(by: .seconds(11)))
        #expect(updated.windowStart == Self.t0.advanced(by: .seconds(-49)))
        #expect(updated.metric?.value == 3)
        #expect(updated.events == ["{\"n\":4}", "{\"n\":1}", "{\"n\":2}"])
        #expect(closed.episode?.id == opened.episode?.id)
        #expect(closed.episode?.firstSeen == Self.t0.advanced(by: .seconds(11)))
        #expect(engine.stats.movedEpisodes == 1)

        // In time order, the watermark decides the same episode.
        let ordered = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10, early: false))
        let inOrder = Self.steps(ordered, arrivals.sorted { $0.time < $1.time }).flatMap { $0 } + ordered.finish()
        #expect(inOrder.map { $0.episode?.state } == [.opened, .closed])
        #expect(inOrder[1].jsonLine == closed.jsonLine)
        #expect(inOrder[0].episode?.id == opened.episode?.id)
    }

    /// A sum opened early that a late negative value brings back under the limit did not happen: it is
    /// closed with no window, and its number goes to the next episode.
    @Test func aSumOpenedEarlyThatALateNegativeValueUndoesIsClosedWithoutWindows() throws {
        let set = try Self.rule("value_sum", "field: bytes, gte: 100")
        let engine = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10))
        let arrivals = [(1.0, "60", 1), (2, "50", 2), (0, "-20", 3)].map {
            Self.detection($0.0, ["ip": "a", "bytes": $0.1], sequence: UInt64($0.2))
        }
        let steps = Self.steps(engine, arrivals)
        let opened = try #require(steps[1].first)
        #expect(opened.episode?.state == .opened)
        let rest = engine.finish()
        #expect(rest.map { $0.episode?.state } == [.closed])
        #expect(rest.first?.episode?.id == opened.episode?.id)
        #expect(rest.first?.episode?.windows == 0)
        #expect(engine.stats.retractedEpisodes == 1)
    }

    // MARK: The same final state in any order

    struct Scenario: CustomStringConvertible, Sendable {
        var name: String
        var type: String
        var condition: String
        /// (seconds, group, value)
        var inputs: [(Double, String, String)]
        var timespan = "60s"
        var description: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(
            name: "bursts", type: "event_count", condition: "gte: 3",
            inputs: [0, 0.5, 1, 1.5, 2, 9, 9.5, 40, 41, 130, 131, 131.5, 132, 300, 300].enumerated().map {
                ($1, $0 % 3 == 0 ? "b" : "a", "1")
            }),
        Scenario(
            name: "same instants", type: "event_count", condition: "gt: 4",
            inputs: (0..<40).map { (Double($0 / 6) * 3, "a", "\($0)") }),
        Scenario(
            name: "distinct users", type: "value_count", condition: "field: v, gte: 3",
            inputs: (0..<30).map { (Double($0) * 2.5, $0 % 2 == 0 ? "a" : "b", ["root", "admin", "oracle", "root", "guest"][$0 % 5]) }),
        Scenario(
            name: "bytes", type: "value_sum", condition: "field: v, gt: 100",
            inputs: (0..<30).map { (Double($0) * 1.5, "a", "\(($0 * 37) % 50)") }),
        // A timespan shorter than the lateness: a window that qualifies with the inputs known may
        // belong to an episode that a late input opens more than a timespan before it.
        Scenario(
            name: "short timespan", type: "event_count", condition: "gte: 2",
            inputs: [0, 1, 5, 9, 10, 14, 15, 16, 21, 25, 26, 31].enumerated().map { ($1, "a", "\($0)") }, timespan: "3s"),
    ]

    @Test(arguments: scenarios)
    func episodeIDsAndClosingsAreTheSameInAnyOrderWithinTheLateness(_ scenario: Scenario) throws {
        let set = try Self.rule(scenario.type, scenario.condition, timespan: scenario.timespan)
        let detections = scenario.inputs.enumerated().map { index, input in
            Self.detection(input.0, ["ip": input.1, "v": input.2, "bytes": input.2], sequence: UInt64(index))
        }
        // In time order, every window decided by the watermark.
        let reference = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 8, early: false))
        let expected = finalState(Self.steps(reference, detections).flatMap { $0 } + reference.finish())
        #expect(expected.contains { $0.hasPrefix("opened") })
        var early = 0, moved = 0
        for seed in 0..<40 as Range<UInt64> {
            let order = shuffled(detections, within: .seconds(8), seed: seed)
            let engine = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 8, shards: 1 + Int(seed % 3)))
            let alerts = Self.steps(engine, order).flatMap { $0 } + engine.finish()
            #expect(engine.stats.late == 0)
            #expect(finalState(alerts) == expected, "\(scenario) seed \(seed)")
            // Each episode opens once, and its updates and closing carry its id.
            let opened = alerts.filter { $0.episode?.state == .opened }.map { $0.episode!.id }
            #expect(Set(opened).count == opened.count)
            #expect(alerts.allSatisfy { $0.episode.map { opened.contains($0.id) } ?? true })
            // The window an episode opened with (early: as known then) is one of the episode's
            // windows in the end; an update names its first.
            let closings = Dictionary(
                alerts.filter { $0.episode?.state == .closed }.map { ($0.episode!.id, $0.episode!) }, uniquingKeysWith: { a, _ in a })
            for alert in alerts {
                guard let episode = alert.episode, let closing = closings[episode.id], let end = alert.windowEnd else { continue }
                switch episode.state {
                case .opened: #expect(closing.firstSeen <= end && end <= closing.lastSeen, "\(scenario) seed \(seed)")
                case .updated: #expect(closing.firstSeen == end, "\(scenario) seed \(seed)")
                case .closed: break
                }
            }
            early += engine.stats.earlyEpisodes
            moved += engine.stats.movedEpisodes
        }
        #expect(early > 0)
        if scenario.name == "bursts" { #expect(moved > 0) }
    }

    // MARK: Shards, threads, restarts

    static func stream(seed: UInt64) -> [Detection] {
        var random = SplitMix64(seed: seed)
        let inputs = (0..<600).map { index -> Detection in
            let ip = "10.0.0.\(random.next() % 12)"
            let time = Double(index) * 0.4 + Double(random.next() % 4000) / 1000
            return Self.detection(time, ["ip": ip, "v": "u\(random.next() % 5)"], sequence: UInt64(index))
        }
        return inputs
    }

    static let mixedRules = """
        title: count
        id: count
        correlation: {type: event_count, rules: [failed], group-by: [ip], timespan: 30s, condition: {gte: 4}}
        ---
        title: users
        id: users
        correlation: {type: value_count, rules: [failed], group-by: [ip], timespan: 30s, condition: {field: v, gte: 3}}
        ---
        title: few
        id: few
        correlation: {type: event_count, rules: [failed], group-by: [ip], timespan: 30s, condition: {lt: 2}}

        """

    @Test func shardedAndThreadedEnginesGiveTheInlineEnginesAlerts() throws {
        let set = try EngineBehaviourTests.ruleSet(Self.mixedRules)
        let input = Self.stream(seed: 5)
        var reference: [String]?
        for shards in [1, 2, 4] {
            let engine = CorrelationEngine(ruleSet: set, options: Self.options(shards: shards))
            var alerts: [Alert] = []
            for start in stride(from: 0, to: input.count, by: 7) {
                engine.ingest(Array(input[start..<min(start + 7, input.count)]))
                alerts += engine.advance()
            }
            alerts += engine.finish()
            #expect(engine.stats.earlyEpisodes > 0)
            let lines = alerts.sorted(by: precedesForTest).map(\.jsonLine)
            if let reference { #expect(lines == reference, "\(shards) shards") } else { reference = lines }

            let collected = ThreadedEngineTests.Collected()
            let threaded = ThreadedCorrelationEngine(ruleSet: set, options: Self.options(shards: shards)) { collected.add($0) }
            for start in stride(from: 0, to: input.count, by: 7) {
                threaded.ingest(Array(input[start..<min(start + 7, input.count)]))
                threaded.advance()
            }
            threaded.finish()
            #expect(collected.all.sorted(by: precedesForTest).map(\.jsonLine) == reference, "threaded, \(shards) shards")
        }
    }

    /// Stopped while an episode opened early waits for the watermark: the restored run does not open
    /// it again, and ends as the uninterrupted run does.
    @Test(arguments: [(1, 1), (1, 2), (2, 1)])
    func aRestartKeepsEpisodesOpenedEarly(_ before: Int, _ after: Int) throws {
        let set = try Self.rule("event_count", "gte: 3")
        let arrivals = [(10.0, 1), (11, 2), (12, 3), (5, 4), (13, 5)].map { Self.detection($0.0, ["ip": "a"], sequence: UInt64($0.1)) }
        let whole = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10, shards: before))
        let expected = (Self.steps(whole, arrivals).flatMap { $0 } + whole.finish()).map(\.jsonLine)
        #expect(expected.count == 3)  // opened, updated, closed

        let first = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10, shards: before))
        var alerts = Self.steps(first, Array(arrivals.prefix(3))).flatMap { $0 }
        #expect(alerts.count == 1)
        let snapshot = CorrelationSnapshot(bytes: first.snapshot().bytes)
        let restored = try snapshot.restore(into: set, options: Self.options(lateness: 10, shards: after))
        #expect(restored.report.openEpisodes == 1)
        let second = CorrelationEngine(ruleSet: set, options: Self.options(lateness: 10, shards: after), restoring: restored)
        alerts += Self.steps(second, Array(arrivals.dropFirst(3))).flatMap { $0 } + second.finish()
        #expect(alerts.map(\.jsonLine) == expected)
    }

    /// A window that qualifies just after midnight UTC while the watermark is still on the day before
    /// waits (its episode could still open on either day, and the day is part of its id) until a step
    /// whose watermark is on its day, then opens with the window it qualified at.
    @Test func anEpisodeWhoseDayIsNotKnownYetWaitsForTheWatermarksDay() throws {
        let set = try Self.rule("event_count", "gte: 3")
        let engine = CorrelationEngine(ruleSet: set, options: Self.options())
        let midnight = 12.0 * 3600  // t0 is 12:00 UTC
        let steps = Self.steps(
            engine,
            [(midnight - 1, "a"), (midnight + 0.5, "a"), (midnight + 1, "a"), (midnight + 6, "b")].enumerated().map {
                Self.detection($1.0, ["ip": $1.1], sequence: UInt64($0))
            })
        #expect(steps[2].isEmpty)  // the watermark is at 23:59:56
        let opened = try #require(steps[3].first)  // now at 00:00:01
        #expect(opened.episode?.state == .opened)
        #expect(opened.windowEnd == Self.t0.advanced(by: .seconds(12 * 3600 + 1)))
        let day = AlertFactory.day(of: Self.t0.nanoseconds) + 1
        #expect(opened.episode?.id == AlertFactory(rule: set.rules[0]).episodeID(key: "a", day: day, number: 1))
        #expect(engine.finish().map { $0.episode?.state } == [.closed])
    }

    // MARK: Episode ids

    /// Two episodes of one group on one day have different ids; the id does not depend on which of
    /// the group's windows qualified first.
    @Test func episodeIDsCountEpisodesPerGroupAndDay() throws {
        let set = try Self.rule("event_count", "gte: 2")
        let engine = CorrelationEngine(ruleSet: set, options: Self.options(early: false))
        let times: [Double] = [0, 1, 200, 201, 3600, 3601]
        let alerts =
            Self.steps(engine, times.enumerated().map { Self.detection($1, ["ip": "a"], sequence: UInt64($0)) }).flatMap { $0 }
            + engine.finish()
        let ids = alerts.filter { $0.episode?.state == .opened }.map { $0.episode!.id }
        #expect(ids.count == 3 && Set(ids).count == 3)
        let factory = AlertFactory(rule: set.rules[0])
        let day = AlertFactory.day(of: Self.t0.nanoseconds)
        #expect(ids == [1, 2, 3].map { factory.episodeID(key: "a", day: day, number: $0) })
        #expect(AlertFactory.day(of: -1) == -1 && AlertFactory.day(of: 0) == 0)
        #expect(AlertFactory.day(of: AlertFactory.nanosecondsPerDay) == 1)
    }
}
