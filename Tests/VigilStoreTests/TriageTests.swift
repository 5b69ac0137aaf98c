import Foundation
import Testing
import VigilTestSupport

@testable import VigilStore

/// Analysts' actions: which transitions are allowed, what each records, in which order.
@Suite(.timeLimit(.minutes(1))) struct TriageTests {
    enum Start: String, CustomStringConvertible {
        case new, acknowledged, escalated, closed
        var description: String { rawValue }
    }

    /// (state the episode is brought to, its tier 1, action, the triage and tier after, or nil: refused as invalid)
    static let transitions: [(Start, TriageAction, (TriageState, Int)?)] = [
        (.new, .acknowledge(note: nil), (.acknowledged, 1)),
        (.acknowledged, .acknowledge(note: nil), nil),
        (.escalated, .acknowledge(note: nil), (.acknowledged, 2)),
        (.closed, .acknowledge(note: nil), nil),
        (.new, .escalate(toTier: 2, note: nil), (.escalated, 2)),
        (.new, .escalate(toTier: 3, note: nil), (.escalated, 3)),
        (.new, .escalate(toTier: 1, note: nil), nil),
        (.new, .escalate(toTier: 4, note: nil), nil),
        (.acknowledged, .escalate(toTier: 3, note: nil), (.escalated, 3)),
        (.escalated, .escalate(toTier: 3, note: nil), (.escalated, 3)),
        (.escalated, .escalate(toTier: 2, note: nil), nil),
        (.closed, .escalate(toTier: 3, note: nil), nil),
        (.new, .close(resolution: .benign, note: nil, exceptionUntil: nil), (.closed, 1)),
        (.acknowledged, .close(resolution: .truePositive, note: nil, exceptionUntil: nil), (.closed, 1)),
        (.escalated, .close(resolution: .falsePositive, note: nil, exceptionUntil: nil), (.closed, 2)),
        (.closed, .close(resolution: .benign, note: nil, exceptionUntil: nil), nil),
        (.new, .close(resolution: .benign, note: nil, exceptionUntil: Int64.max), nil),  // an exception only with false_positive
        (.new, .close(resolution: .falsePositive, note: nil, exceptionUntil: 1), nil),  // in the past
    ]

    @Test(arguments: transitions.indices)
    func transition(index: Int) throws {
        let (start, action, expected) = Self.transitions[index]
        let fixture = try StoreFixture()
        fixture.write([TestAlert(number: 1, episode: 7, tier: 1)])
        let store = fixture.store
        switch start {
        case .new: break
        case .acknowledged: try store.act(.acknowledge(note: nil), episode: 7, actor: "setup")
        case .escalated: try store.act(.escalate(toTier: 2, note: nil), episode: 7, actor: "setup")
        case .closed: try store.act(.close(resolution: .benign, note: nil, exceptionUntil: nil), episode: 7, actor: "setup")
        }
        let before = try #require(try store.episode(id: 7))
        let historyBefore = try store.history(episode: 7)
        guard let (triage, tier) = expected else {
            #expect(throws: TriageError.self, "\(start) \(action)") {
                try store.act(action, episode: 7, actor: "alice")
            }
            #expect(try store.episode(id: 7) == before, "a refused action changes nothing")
            #expect(try store.history(episode: 7) == historyBefore)
            return
        }
        let entry = try store.act(action, episode: 7, actor: "alice")
        let after = try #require(try store.episode(id: 7))
        #expect(after.triage == triage, "\(start) \(action)")
        #expect(after.tier == tier, "\(start) \(action)")
        #expect(try store.history(episode: 7) == historyBefore + [entry])
        #expect(entry.actor == "alice")
        #expect(entry.episodeID == 7)
        switch action {
        case .acknowledge: #expect(entry.action == "acknowledge")
        case .escalate(let to, _):
            #expect(entry.action == "escalate")
            #expect(entry.fromTier == before.tier)
            #expect(entry.toTier == to)
        case .close(let resolution, _, _):
            #expect(entry.action == "close")
            #expect(entry.resolution == resolution)
            #expect(after.resolution == resolution)
        }
    }

    @Test func anUnknownEpisodeIsSaid() throws {
        let fixture = try StoreFixture()
        #expect(throws: TriageError.unknownEpisode(5)) { try fixture.store.act(.acknowledge(note: nil), episode: 5, actor: "alice") }
    }

    @Test func historyKeepsWhoWhenWhatInOrder() async throws {
        let fixture = try StoreFixture()
        fixture.write([TestAlert(number: 1, episode: 7, tier: 1)])
        let store = fixture.store
        let subscription = store.feed.subscribe()
        let start = wallClockNanoseconds()
        try store.act(.acknowledge(note: "mine"), episode: 7, actor: "alice")
        try store.act(.escalate(toTier: 3, note: "worse than it looks"), episode: 7, actor: "bob")
        let long = String(repeating: "é", count: 3000)  // 6000 bytes
        let until = wallClockNanoseconds() + 7 * 86_400 * 1_000_000_000
        try store.act(.close(resolution: .falsePositive, note: long, exceptionUntil: until), episode: 7, actor: "carol")
        let history = try store.history(episode: 7)
        #expect(history.map(\.action) == ["acknowledge", "escalate", "close", "exception_added"])
        #expect(history.map(\.actor) == ["alice", "bob", "carol", "carol"])
        #expect(history.map(\.sequence) == history.map(\.sequence).sorted())
        #expect(history.allSatisfy { $0.at >= start && $0.at <= wallClockNanoseconds() })
        #expect(history[0].note == "mine")
        #expect(history[1].fromTier == 1 && history[1].toTier == 3)
        #expect(history[2].note?.utf8.count == 4096)
        #expect(history[2].note == String(repeating: "é", count: 2048))
        #expect(history[3].exceptionID != nil)
        let exception = try #require(try store.exceptions(includingExpired: false).first)
        #expect(exception.id == history[3].exceptionID)
        #expect(exception.ruleID == "rule-1")
        #expect(exception.entity == #"{"host":"web-1"}"#)
        #expect(exception.expiresAt == until)
        #expect(exception.createdBy == "carol")
        #expect(exception.episodeID == 7)

        // Every entry went out on the feed, in order.
        var iterator = subscription.makeAsyncIterator()
        var received: [AlertFeed.Item] = []
        for _ in 0..<4 { if let item = await iterator.next() { received.append(item) } }
        #expect(received == history.map { AlertFeed.Item.triage($0) })
    }
}
