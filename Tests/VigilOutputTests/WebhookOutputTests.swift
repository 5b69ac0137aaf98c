import Foundation
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Webhook outputs: JSON arrays posted in order, retried while the receiver is down or failing.
@Suite struct WebhookOutputTests {
    static let options = QueuedOutput.Options(retry: RetryPolicy(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(500)))

    @Test func aReceiverGetsEveryAlertInOrderAsJSONArrays() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try HTTPReceiver(directory: directory)
        defer { receiver.stop() }
        try receiver.start(failFirst: 3)
        let output = try AlertOutputs.make(
            spec: "http://127.0.0.1:\(receiver.port)/alerts?token=secret,min-tier=2", stateDirectory: directory.path,
            logger: LogCapture().logger, webhook: WebhookTransport.Options(headers: [("Authorization", "Bearer test")]),
            options: Self.options
        ).get()
        #expect(output.name == "webhook http://127.0.0.1:\(receiver.port)/alerts?…")
        #expect(output.minimumTier == 2)
        for start in stride(from: 0, to: 3000, by: 100) { output.accept(makeAlerts(start..<start + 100)) }
        output.finish(timeout: .seconds(60))

        let requests = receiver.requests()
        // Tiers 2 and 3 only, in order, none twice, at most 500 to a request.
        #expect(requests.flatMap(\.numbers) == (0..<3000).filter { $0 % 3 != 0 })
        #expect(requests.allSatisfy { !$0.numbers.isEmpty && $0.numbers.count <= 500 })
        #expect(requests.allSatisfy { $0.type == "application/json" && $0.auth == "Bearer test" })
        #expect(output.counts.delivered == 2000)
        #expect(output.counts.retried >= 3)
        #expect(output.health.lastProblem?.contains("HTTP 503") == true)
    }

    /// The receiver comes up 5 s after the first alerts: it gets every one, in order, none twice, and
    /// accepting never waited meanwhile.
    @Test(.timeLimit(.minutes(2))) func aReceiverThatStartsLateGetsEveryAlertOnce() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try HTTPReceiver(directory: directory)
        defer { receiver.stop() }
        let log = LogCapture()
        // A refused connection shows after the connect time-out: 1 s, so the first attempts fail well
        // before the receiver starts.
        let output = try AlertOutputs.make(
            spec: "http://127.0.0.1:\(receiver.port)/", stateDirectory: directory.path, logger: log.logger,
            webhook: WebhookTransport.Options(connectTimeout: .seconds(1)), options: Self.options
        ).get()
        let start = ContinuousClock.now
        var accepting = Duration.zero
        let batches = stride(from: 0, to: 3000, by: 10).map { makeAlerts($0..<$0 + 10) }
        for batch in batches[..<150] { accepting += timed { output.accept(batch) } }
        usleep(2_000_000)
        #expect(output.health.isReceiverFailing)
        for batch in batches[150...] { accepting += timed { output.accept(batch) } }
        #expect(output.counts.delivered == 0)
        let since = output.health.failingSince
        #expect(since != nil)
        usleep(UInt32(max(0, (start + .seconds(5) - ContinuousClock.now) / .microseconds(1))))
        try receiver.start()
        output.finish(timeout: .seconds(60))

        print("webhook: 300 accepts of 10 alerts took \(accepting) in all while the receiver was down")
        #expect(accepting < .milliseconds(50), "accepting 3000 alerts took \(accepting)")
        #expect(receiver.requests().flatMap(\.numbers) == Array(0..<3000))
        #expect(output.counts.delivered == 3000)
        #expect(output.counts.retried > 0)
        #expect(output.counts.dropped == 0)
        #expect(!output.health.isReceiverFailing)
        #expect(!log.messages(containing: "receiver failing").isEmpty)
        #expect(!log.messages(containing: "receiver back after").isEmpty)
    }

    /// Still down at finish: what is left stays in the spool, and the next run posts it first.
    @Test func alertsLeftAtFinishArePostedByTheNextRunFirst() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let receiver = try HTTPReceiver(directory: directory)
        defer { receiver.stop() }
        let spec = "http://127.0.0.1:\(receiver.port)/hook"
        let first = try AlertOutputs.make(spec: spec, stateDirectory: directory.path, logger: LogCapture().logger, options: Self.options)
            .get()
        first.accept(makeAlerts(0..<700))
        first.finish(timeout: .milliseconds(300))
        #expect(first.counts.leftInSpool == 700)
        #expect(first.counts.dropped == 0)

        try receiver.start()
        let second = try AlertOutputs.make(spec: spec, stateDirectory: directory.path, logger: LogCapture().logger, options: Self.options)
            .get()
        second.accept(makeAlerts(700..<800))
        second.finish(timeout: .seconds(30))
        #expect(receiver.requests().flatMap(\.numbers) == Array(0..<800))
        #expect(second.counts.recovered == 700)
        #expect(second.counts.delivered == 800)
    }

    @Test(arguments: [
        ("ftp://example.org/x", "expected udp://HOST:PORT"),
        ("http://", "has no host"),
        ("http://example.org/x#frag", "fragment"),
        ("http://example.org/x,min-tier=4", "min-tier must be 1, 2 or 3, not '4'"),
        ("http://example.org/x,facility=local0", "facility= applies to syslog outputs only"),
        ("udp://127.0.0.1:514,colour=red", "unknown option 'colour'"),
        ("udp://127.0.0.1:514,facility=local9", "unknown syslog facility 'local9'"),
        ("udp://127.0.0.1:514,min-tier", "is not NAME=VALUE"),
        ("", "no address"),
    ])
    func badSpecsSayWhy(spec: String, why: String) {
        switch AlertOutputs.parse(spec) {
        case .success(let parsed): Issue.record("\(spec) parsed as \(parsed)")
        case .failure(let error): #expect(error.message.contains(why), "\(error.message)")
        }
    }

    @Test func specsParse() throws {
        let syslog = try AlertOutputs.parse("tcp://[::1]:6514,min-tier=3,facility=local0").get()
        #expect(syslog.minimumTier == 3)
        #expect(syslog.target == .syslog(SyslogAddress(transport: .tcp, host: "::1", port: 6514), SyslogFacility("local0")!))
        #expect(syslog.name == "syslog tcp://[::1]:6514")
        let webhook = try AlertOutputs.parse("https://user:pw@hooks.example/a%2Cb").get()
        #expect(webhook.minimumTier == 1)
        #expect(webhook.target == .webhook(url: "https://user:pw@hooks.example/a%2Cb"))
        #expect(webhook.name == "webhook https://hooks.example/a%2Cb")
    }
}

extension WebhookOutputTests {
    @Test func urlsInNamesLeaveSecretsOut() {
        #expect(WebhookTransport.redacted("https://u:p@h.example:8443/a/b?token=x") == "https://h.example:8443/a/b?…")
        #expect(WebhookTransport.redacted("http://[::1]:80/") == "http://[::1]:80/")
        #expect(WebhookTransport.redacted("http://h") == "http://h")
    }
}
