import Foundation
import Testing
import VigilAlert

@testable import VigilStore

/// Exceptions: what they hold back, what they count, when they stop.
@Suite(.timeLimit(.minutes(1))) struct AlertExceptionListTests {
    static let scan = TestAlert(
        number: 1, episode: 20, ruleID: "rule-2", ruleName: nil, title: "Port scan", level: "medium", tier: 1, kind: "correlation",
        entity: ["src_ip": "203.0.113.7", "dst": nil], host: nil, second: 100)

    /// A store with the scan's episode closed as a false positive with an exception until `until`.
    static func fixture(until: Int64) throws -> StoreFixture {
        let fixture = try StoreFixture()
        fixture.write([scan])
        try fixture.store.act(.close(resolution: .falsePositive, note: "our scanner", exceptionUntil: until), episode: 20, actor: "bob")
        return fixture
    }

    @Test func nothingToDoWithoutExceptions() {
        let list = AlertExceptionList()
        let alerts = lines([Self.scan, TestAlert(number: 2)])
        let (kept, excepted) = list.filter(alerts, now: wallClockNanoseconds())
        #expect(excepted == 0)
        #expect(kept.bytes == alerts.bytes)
    }

    @Test func anExceptionHoldsBackItsRuleAndEntityOnly() throws {
        let fixture = try Self.fixture(until: wallClockNanoseconds() + 3_600_000_000_000)
        let list = fixture.store.exceptionList
        var again = Self.scan
        again.number = 2
        again.state = "updated"
        var otherEntity = Self.scan
        otherEntity.number = 3
        otherEntity.entity = ["src_ip": "203.0.113.8", "dst": nil]
        var otherRule = Self.scan
        otherRule.number = 4
        otherRule.ruleID = "rule-3"
        var sameRuleIDInEvidenceOnly = TestAlert(number: 5, message: "rule-2")
        sameRuleIDInEvidenceOnly.entity = ["src_ip": "203.0.113.7", "dst": nil]
        let alerts = lines([otherEntity, again, otherRule, sameRuleIDInEvidenceOnly, again])
        let (kept, excepted) = list.filter(alerts, now: wallClockNanoseconds())
        #expect(excepted == 2)
        #expect((0..<kept.count).map { kept.json(at: $0) } == [otherEntity.json, otherRule.json, sameRuleIDInEvidenceOnly.json])
        #expect(kept.tiers.count == 3)

        // Counted: at once in what the store says, and written with the store's next batch.
        #expect(try fixture.store.exceptions(includingExpired: false).first?.applied == 2)
        fixture.write([TestAlert(number: 9, episode: 99)])
        try fixture.reopen()
        #expect(try fixture.store.exceptions(includingExpired: false).first?.applied == 2)
        // And loaded again: it still applies after the restart.
        #expect(fixture.store.exceptionList.filter(lines([again]), now: wallClockNanoseconds()).excepted == 1)
    }

    @Test func anExpiredExceptionStopsAndSaysSoOnce() throws {
        let until = wallClockNanoseconds() + 300_000_000
        let fixture = try Self.fixture(until: until)
        let list = fixture.store.exceptionList
        #expect(list.filter(lines([Self.scan]), now: until - 1).excepted == 1)
        #expect(list.filter(lines([Self.scan]), now: until).excepted == 0)
        #expect(list.active.isEmpty)

        while wallClockNanoseconds() <= until { usleep(20_000) }
        fixture.store.maintain(now: wallClockNanoseconds(), pruning: false)
        fixture.store.maintain(now: wallClockNanoseconds(), pruning: false)
        var history = try fixture.store.history(episode: 20)
        #expect(history.map(\.action) == ["close", "exception_added", "exception_expired"])
        #expect(history.last?.actor == "vigil")
        #expect(history.last?.exceptionID == history[1].exceptionID)
        #expect(fixture.log.messages(containing: "expired after keeping 1 alerts back").count == 1)
        #expect(try fixture.store.exceptions(includingExpired: false).isEmpty)
        let all = try fixture.store.exceptions(includingExpired: true)
        #expect(all.count == 1)
        #expect(all.first?.applied == 1)

        // Not said again after a restart.
        try fixture.reopen()
        fixture.store.maintain(now: wallClockNanoseconds(), pruning: false)
        history = try fixture.store.history(episode: 20)
        #expect(history.map(\.action) == ["close", "exception_added", "exception_expired"])
    }

    @Test func anExceptionThatExpiredWhileVigilWasDownIsSaidAtTheNextStart() throws {
        let until = wallClockNanoseconds() + 200_000_000
        let fixture = try Self.fixture(until: until)
        fixture.store.close()
        while wallClockNanoseconds() <= until { usleep(20_000) }
        try fixture.reopen()
        #expect(fixture.store.exceptionList.filter(lines([Self.scan]), now: wallClockNanoseconds()).excepted == 0)
        fixture.store.maintain(now: wallClockNanoseconds(), pruning: false)
        #expect(try fixture.store.history(episode: 20).map(\.action).last == "exception_expired")
    }
}
