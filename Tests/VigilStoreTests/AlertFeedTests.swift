import Foundation
import Testing

@testable import VigilStore

/// The live fan-out: every subscriber gets everything in order; one that falls behind loses what does
/// not fit, is told once, and never holds up the publisher.
@Suite(.timeLimit(.minutes(1))) struct AlertFeedTests {
    static func alerts(_ sequences: some Sequence<Int64>) -> [StoredAlert] {
        sequences.map { sequence in
            StoredAlert(
                sequence: sequence, id: String(sequence), episodeID: 1, kind: "detection", tier: 1, state: "opened", ruleID: "r",
                ruleTitle: "R", level: "low", entity: "{}", host: nil, time: sequence, detectedAt: sequence, json: "{}")
        }
    }

    static func items(_ sequences: some Sequence<Int64>) -> [AlertFeed.Item] { alerts(sequences).map(AlertFeed.Item.alert) }

    /// Takes up to `count` items from `stream` (fewer when it ends).
    static func take(_ count: Int, from stream: AsyncStream<AlertFeed.Item>) async -> [AlertFeed.Item] {
        var iterator = stream.makeAsyncIterator()
        var items: [AlertFeed.Item] = []
        while items.count < count, let item = await iterator.next() { items.append(item) }
        return items
    }

    @Test func everySubscriberGetsEverythingInOrder() async {
        let feed = AlertFeed()
        let streams = (0..<3).map { _ in feed.subscribe() }
        #expect(feed.subscriberCount == 3)
        let entry = TriageEntry(sequence: 1, episodeID: 1, action: "acknowledge", actor: "alice", at: 5)
        feed.publish(Self.alerts(1...50))
        feed.publish(entry)
        feed.publish(Self.alerts(51...100))
        let expected = Self.items(1...50) + [.triage(entry)] + Self.items(51...100)
        for stream in streams { #expect(await Self.take(101, from: stream) == expected) }
    }

    @Test func aSubscriberWaitingGetsAlertsAsTheyCome() async {
        let feed = AlertFeed()
        let stream = feed.subscribe(bufferLimit: 1)
        let (acks, ack) = AsyncStream<Void>.makeStream()
        // The publisher publishes the next alert once the reader took the last: the reader is mostly
        // waiting when an alert comes, and a buffer of 1 loses nothing.
        let publisher = Task {
            var acknowledged = acks.makeAsyncIterator()
            for sequence in Int64(1)...100 {
                feed.publish(Self.alerts([sequence]))
                _ = await acknowledged.next()
            }
        }
        var received: [AlertFeed.Item] = []
        for await item in stream {
            received.append(item)
            ack.yield()
            if received.count == 100 { break }
        }
        await publisher.value
        #expect(received == Self.items(1...100))
    }

    @Test func aSlowSubscriberLosesWhatDoesNotFitIsToldOnceAndNeverBlocksThePublisher() async {
        let feed = AlertFeed(lastSequence: 0)
        let slow = feed.subscribe(bufferLimit: 10)
        let roomy = feed.subscribe(bufferLimit: 100_000)
        var slowest = Duration.zero
        for start in stride(from: Int64(1), through: 10_000, by: 100) {
            let batch = Self.alerts(start..<(start + 100))
            let took = ContinuousClock.now
            feed.publish(batch)
            slowest = max(slowest, ContinuousClock.now - took)
        }
        // Generous for a loaded machine: a publisher that waited for the slow reader would never finish (the time limit fails it).
        #expect(slowest < .seconds(1), "a publish took \(slowest)")

        // The slow one: the 10 that fit, then one notice for the 9,990 it lost, after alert 10.
        let items = await Self.take(11, from: slow)
        #expect(Array(items.prefix(10)) == Self.items(1...10))
        #expect(items.last == .dropped(count: 9_990, lastDelivered: 10))
        // Then it goes on live.
        feed.publish(Self.alerts([10_001]))
        #expect(await Self.take(1, from: slow) == Self.items([10_001]))
        // The roomy one lost nothing.
        #expect(await Self.take(10_001, from: roomy) == Self.items(1...10_001))
    }

    @Test func aNoticeNamesTheLastAlertDeliveredAndCountsLostTriageChangesToo() async {
        let feed = AlertFeed(lastSequence: 41)
        let stream = feed.subscribe(bufferLimit: 1)
        feed.publish(Self.alerts(42...45))
        #expect(await Self.take(2, from: stream) == [.alert(Self.alerts([42])[0]), .dropped(count: 3, lastDelivered: 42)])

        // Nothing delivered yet: the notice names the store's sequence when the subscription started.
        let late = feed.subscribe(bufferLimit: 1)
        let entry = TriageEntry(sequence: 1, episodeID: 1, action: "close", actor: "a", at: 1)
        feed.publish(entry)
        feed.publish(Self.alerts(46...47))
        #expect(await Self.take(2, from: late) == [.triage(entry), .dropped(count: 2, lastDelivered: 45)])
        let third = feed.subscribe(bufferLimit: 1)
        feed.publish(Self.alerts([48]))
        feed.publish(entry)
        // A lost triage change is said too, with no alert count of its own.
        #expect(await Self.take(2, from: third) == [.alert(Self.alerts([48])[0]), .dropped(count: 0, lastDelivered: 48)])
    }

    @Test func finishEndsEverySubscriptionAndLaterOnesAtOnce() async throws {
        let feed = AlertFeed()
        let waiting = feed.subscribe()
        let reader = Task {
            var count = 0
            for await _ in waiting { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        feed.finish()
        #expect(await reader.value == 0)
        #expect(feed.subscriberCount == 0)
        #expect(await Self.take(1, from: feed.subscribe()) == [])
        feed.publish(Self.alerts([1]))  // no one left: nothing happens
    }

    @Test func aSubscriptionGoneUnsubscribes() async throws {
        let feed = AlertFeed()
        do {
            let stream = feed.subscribe()
            #expect(feed.subscriberCount == 1)
            _ = stream
        }
        #expect(feed.subscriberCount == 0, "a released stream unsubscribes")

        let stream = feed.subscribe()
        let reader = Task {
            for await _ in stream {}
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(feed.subscriberCount == 1)
        reader.cancel()
        await reader.value
        #expect(feed.subscriberCount == 0, "a cancelled reader unsubscribes")
    }
}
