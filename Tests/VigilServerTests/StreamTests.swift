import Foundation
import Testing
import VigilServer
import VigilStore
import VigilTestSupport

/// `GET /alerts/stream` on a live server.
@Suite(.serialized) struct StreamTests {
    static func alerts(_ numbers: ClosedRange<Int>, tier: Int = 2, message: String = "hello") -> [TestAlert] {
        numbers.map { TestAlert(number: $0, episode: Int64($0), tier: tier, second: $0, message: message) }
    }

    /// Opens a stream and waits until it is subscribed (its opening `retry:` arrived).
    static func open(_ fixture: ServerFixture, path: String = "/alerts/stream", headers: [String: String] = [:]) async throws
        -> SSEConnection
    {
        let port = fixture.port
        return try await onThread {
            let connection = try SSEConnection(port: port, path: path, headers: headers)
            try connection.readHead()
            guard connection.status == 200 else { throw TestFailure("stream answered \(connection.status)") }
            // The `retry:` block comes once the subscription is made.
            _ = try connection.next()
            return connection
        }
    }

    static func read(_ connection: SSEConnection, until stop: @escaping @Sendable (SSEEvent) -> Bool) async throws -> [SSEEvent] {
        let sending = UnsafeSendable(connection)
        return try await onThread { try sending.value.events(until: stop) }
    }

    @Test func liveAlertsArriveAsTheyAreStored() async throws {
        let fixture = try await ServerFixture()
        let stream = try await Self.open(fixture)
        #expect(stream.header("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(stream.header("Content-Security-Policy") != nil)
        try await fixture.write(Self.alerts(1...3))
        let events = try await Self.read(stream) { $0.id == Self.alerts(3...3)[0].id }
        #expect(events.map(\.event) == ["alert", "alert", "alert"])
        #expect(events.map(\.id) == Self.alerts(1...3).map(\.id))
        #expect(events.map { $0.json["seq"] as? Int } == [1, 2, 3])
        #expect(events[0].json["id"] as? String == Self.alerts(1...1)[0].id)
        await fixture.stop()
    }

    @Test func filtersApplyToTheStream() async throws {
        let fixture = try await ServerFixture()
        let stream = try await Self.open(fixture, path: "/alerts/stream?tier=3&min_level=high&rule=rule_one")
        try await fixture.write(Self.alerts(1...2, tier: 2) + Self.alerts(3...4, tier: 3))
        let events = try await Self.read(stream) { $0.id == Self.alerts(4...4)[0].id }
        #expect(events.map(\.id) == Self.alerts(3...4).map(\.id))
        await fixture.stop()
    }

    @Test func triageEventsReachTheStream() async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts(1...1))
        let stream = try await Self.open(fixture)
        let ack = try await fixture.request("POST", "/alerts/\(Self.alerts(1...1)[0].id)/ack", body: #"{"note":"mine"}"#)
        #expect(ack.status == 200)
        let events = try await Self.read(stream) { $0.event == "triage" }
        let triage = try #require(events.last)
        #expect((triage.json["entry"] as? [String: Any])?["actor"] as? String == "local")
        #expect((triage.json["episode"] as? [String: Any])?["triage"] as? String == "acknowledged")
        await fixture.stop()
    }

    /// Resuming from `Last-Event-ID` gives exactly the alerts after it from the store, then live ones.
    @Test(arguments: ["header", "query"])
    func resumeWithoutGapOrDuplicate(how: String) async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts(1...5))
        let from = Self.alerts(2...2)[0].id
        let stream =
            how == "header"
            ? try await Self.open(fixture, headers: ["Last-Event-ID": from])
            : try await Self.open(fixture, path: "/alerts/stream?last_event_id=\(from)")
        let backlog = try await Self.read(stream) { $0.id == Self.alerts(5...5)[0].id }
        #expect(backlog.map(\.id) == Self.alerts(3...5).map(\.id))
        try await fixture.write(Self.alerts(6...7))
        let live = try await Self.read(stream) { $0.id == Self.alerts(7...7)[0].id }
        #expect(live.map(\.id) == Self.alerts(6...7).map(\.id))
        await fixture.stop()
    }

    /// Alerts stored while a stream resumes (between its subscription and the end of its backlog) come
    /// exactly once, in order.
    @Test func resumeWhileAlertsPourIn() async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts(1...600))
        let writer = Task {
            for batch in stride(from: 601, to: 1451, by: 50) { try await fixture.write(Self.alerts(batch...batch + 49)) }
        }
        let stream = try await Self.open(fixture, headers: ["Last-Event-ID": Self.alerts(1...1)[0].id])
        let events = try await Self.read(stream) { $0.id == Self.alerts(1450...1450)[0].id || $0.event != "alert" }
        try await writer.value
        #expect(events.map(\.id) == Self.alerts(2...1450).map(\.id))
        await fixture.stop()
    }

    /// A client that does not read loses what does not fit in its buffer, is told so and where to
    /// resume, and resuming gives exactly what it lost.
    @Test func droppedForAClientThatDoesNotRead() async throws {
        let fixture = try await ServerFixture(configure: { $0.streamBufferLimit = 8 })
        let port = fixture.port
        let slow = try await onThread { try SSEConnection(port: port, receiveBuffer: 4096) }
        #expect(await waitFor { fixture.store.feed.subscriberCount == 1 })
        // About 12 MiB of alerts: more than the sockets' buffers hold.
        let big = String(repeating: "x", count: 48 * 1024)
        for batch in stride(from: 1, through: 241, by: 20) { try await fixture.write(Self.alerts(batch...batch + 19, message: big)) }
        try await onThread { try slow.readHead() }
        let received = try await Self.read(slow) { $0.event == "dropped" }
        let dropped = try #require(received.last)
        #expect(dropped.event == "dropped")
        let count = try #require(dropped.json["count"] as? Int)
        #expect(count > 0)
        let lastEventID = try #require(dropped.json["last_event_id"] as? String)
        #expect(dropped.id == lastEventID)
        let sent = received.dropLast().map { $0.id }
        #expect(sent.last == lastEventID || sent.isEmpty)
        // The stream ends after the notice: the client resumes from the store.
        #expect(try await onThread { try slow.next() } == nil)

        let resumed = try await Self.open(fixture, headers: ["Last-Event-ID": lastEventID])
        let rest = try await Self.read(resumed) { $0.id == Self.alerts(260...260)[0].id }
        #expect(sent + rest.map { $0.id } == Self.alerts(1...260).map { Optional($0.id) })
        #expect(rest.count >= count)
        let metrics = try await fixture.request("GET", "/metrics")
        #expect(metrics.body.contains("vigil_http_stream_dropped_alerts_total \(count)"), "\(metrics.body.prefix(2000))")
        await fixture.stop()
    }

    @Test func heartbeatsKeepAnIdleStreamAlive() async throws {
        let fixture = try await ServerFixture(configure: { $0.heartbeatInterval = .milliseconds(100) })
        let stream = try await Self.open(fixture)
        let sending = UnsafeSendable(stream)
        let comments = try await onThread {
            var comments: [String] = []
            while comments.count < 3, let block = try sending.value.next() {
                if let comment = block.comment { comments.append(comment) }
            }
            return comments
        }
        #expect(comments == ["heartbeat", "heartbeat", "heartbeat"])
        await fixture.stop()
    }

    /// A client that stopped reading cannot hold shutdown up past the grace period.
    @Test func shutdownClosesAStuckClientAfterTheGracePeriod() async throws {
        let fixture = try await ServerFixture(configure: { $0.shutdownGracePeriod = .milliseconds(500) })
        let port = fixture.port
        let stuck = try await onThread { try SSEConnection(port: port, receiveBuffer: 4096) }
        #expect(await waitFor { fixture.store.feed.subscriberCount == 1 })
        let big = String(repeating: "x", count: 48 * 1024)
        for batch in stride(from: 1, through: 141, by: 20) { try await fixture.write(Self.alerts(batch...batch + 19, message: big)) }
        let started = ContinuousClock.now
        await fixture.server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(!isListening(port: fixture.port))
        _ = stuck
        await fixture.stop()
    }

    @Test func shutdownTellsEveryStream() async throws {
        let fixture = try await ServerFixture()
        let first = try await Self.open(fixture)
        let second = try await Self.open(fixture, path: "/alerts/stream?tier=1")
        let metrics = try await fixture.request("GET", "/metrics")
        #expect(metrics.body.contains("vigil_http_stream_subscribers 2"))
        await fixture.server.shutdown()
        for stream in [first, second] {
            let events = try await Self.read(stream) { _ in false }
            #expect(events == [SSEEvent(event: "shutdown", data: "{}")])
            try await onThread { try UnsafeSendable(stream).value.waitUntilClosed() }
            #expect(stream.closed)
        }
        #expect(!isListening(port: fixture.port))
        await fixture.stop()
    }
}

extension SSEConnection {
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

func waitFor(timeout: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
