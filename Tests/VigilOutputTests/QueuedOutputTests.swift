import Foundation
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

/// The queue every output shares: order, back-off, spool, drops, and a spool carried to the next run.
@Suite struct QueuedOutputTests {
    static let fastRetry = RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(100))

    @Test(.timeLimit(.minutes(1)), arguments: [ScriptedTransport.Mode.down, .blocked])
    func acceptNeverWaitsForTheReceiverAndOrderIsKept(mode: ScriptedTransport.Mode) {
        let log = LogCapture()
        let transport = ScriptedTransport(mode)
        let output = QueuedOutput(
            name: "test", transport: transport, options: QueuedOutput.Options(retry: Self.fastRetry), logger: log.logger)
        var slowest = Duration.zero, total = Duration.zero
        for batch in stride(from: 0, to: 5000, by: 10).map({ makeAlerts($0..<$0 + 10) }) {
            let took = timed { output.accept(batch) }
            slowest = max(slowest, took)
            total += took
        }
        // The receiver is still down or blocked: nothing was delivered while accepting.
        usleep(300_000)
        #expect(transport.delivered.isEmpty)
        transport.set(.up)
        output.finish(timeout: .seconds(30))

        // Generous for a loaded machine: an accept that waited for the receiver would not return before
        // the receiver is up, after the accepts (the time limit fails the test).
        #expect(slowest < .milliseconds(50), "one accept took \(slowest)")
        #expect(total < .milliseconds(250), "5000 alerts took \(total) to accept")
        #expect(transport.deliveredNumbers == Array(0..<5000))
        let counts = output.counts
        #expect(counts.accepted == 5000)
        #expect(counts.delivered == 5000)
        #expect(counts.dropped == 0)
        #expect(counts.leftInSpool == 0)
        if mode == .down {
            #expect(counts.retried > 0)
            #expect(!log.messages(containing: "receiver failing: test receiver down").isEmpty)
            #expect(!log.messages(containing: "receiver back after").isEmpty)
        }
        #expect(!output.health.isReceiverFailing)
    }

    @Test(.timeLimit(.minutes(1))) func alertsTheMemoryQueueCannotHoldGoThroughTheSpoolInOrder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let transport = ScriptedTransport(.blocked)
        let output = QueuedOutput(
            name: "syslog tcp://127.0.0.1:1", transport: transport,
            options: QueuedOutput.Options(memoryLimit: 4096, stateDirectory: directory.path, retry: Self.fastRetry),
            logger: LogCapture().logger)
        #expect(output.spoolPath == directory.file("spool/syslog_tcp_127.0.0.1_1.spool"))
        var slowest = Duration.zero
        for batch in stride(from: 0, to: 2000, by: 20).map({ makeAlerts($0..<$0 + 20) }) {
            slowest = max(slowest, timed { output.accept(batch) })
        }
        let health = output.health
        #expect(health.queuedBytes <= 4096 + 1024)  // the memory limit, plus a batch in flight
        #expect(health.spooledAlerts > 1500)
        #expect(health.spoolBytes > 50_000)
        #expect(output.counts.spooled > 1500)
        let spoolSize = try FileManager.default.attributesOfItem(atPath: output.spoolPath!)[.size] as! Int
        #expect(spoolSize > 50_000)

        transport.set(.up)
        output.finish(timeout: .seconds(30))
        #expect(slowest < .milliseconds(50), "one accept took \(slowest)")
        #expect(transport.deliveredNumbers == Array(0..<2000))
        let counts = output.counts
        #expect(counts.delivered == 2000)
        #expect(counts.dropped == 0)
        #expect(counts.leftInSpool == 0)
        // Delivered: the spool is cut back to its header.
        let after = try FileManager.default.attributesOfItem(atPath: output.spoolPath!)[.size] as! Int
        #expect(after == 16)
    }

    /// The thread frees memory while the spool still holds alerts: new alerts must go behind those in
    /// the spool, not into the freed memory.
    @Test func aSlowReceiverGetsEveryAlertInOrderThroughMemoryAndSpool() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let transport = ScriptedTransport(.slow, batchLimit: AlertBatchLimit(alerts: 10, bytes: 1 << 20))
        let output = QueuedOutput(
            name: "out", transport: transport,
            options: QueuedOutput.Options(memoryLimit: 2048, stateDirectory: directory.path, retry: Self.fastRetry),
            logger: LogCapture().logger)
        for start in stride(from: 0, to: 3000, by: 20) {
            output.accept(makeAlerts(start..<start + 20))
            if start % 200 == 0 { usleep(3_000) }
        }
        output.finish(timeout: .seconds(60))
        #expect(output.counts.spooled > 0)
        #expect(output.counts.delivered == 3000)
        #expect(transport.deliveredNumbers == Array(0..<3000))
    }

    /// Delivered records at the front of a spool that never empties are removed once they take a quarter
    /// of its limit, while alerts keep being appended.
    @Test func aSpoolThatNeverEmptiesIsCompactedInPlace() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = LogCapture()
        let transport = ScriptedTransport(.blocked, batchLimit: AlertBatchLimit(alerts: 10, bytes: 1 << 20))
        let output = QueuedOutput(
            name: "out", transport: transport,
            options: QueuedOutput.Options(memoryLimit: 0, stateDirectory: directory.path, spoolLimit: 256 << 10, retry: Self.fastRetry),
            logger: log.logger)
        output.accept(makeAlerts(0..<3000))  // about 126 KB of records
        transport.set(.slow)
        #expect(waitUntil(timeout: .seconds(30)) { !log.messages(containing: "compacted").isEmpty })
        #expect(output.health.spooledAlerts > 0)
        for start in stride(from: 3000, to: 6000, by: 30) { output.accept(makeAlerts(start..<start + 30)) }
        output.finish(timeout: .seconds(60))
        #expect(output.counts.dropped == 0)
        #expect(transport.deliveredNumbers == Array(0..<6000))
        let size = try FileManager.default.attributesOfItem(atPath: output.spoolPath!)[.size] as! Int
        #expect(size == 16)
    }

    @Test func aFullSpoolDropsCountsAndLogsWithoutFlooding() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = LogCapture()
        let transport = ScriptedTransport(.down)
        let output = QueuedOutput(
            name: "webhook", transport: transport,
            options: QueuedOutput.Options(memoryLimit: 1024, stateDirectory: directory.path, spoolLimit: 8192, retry: Self.fastRetry),
            logger: log.logger)
        for start in stride(from: 0, to: 1000, by: 10) { output.accept(makeAlerts(start..<start + 10)) }
        let counts = output.counts
        #expect(counts.accepted == 1000)
        // About 28 alerts fit in memory and 200 in the spool.
        #expect(counts.dropped > 600)
        #expect(counts.spooled > 150)
        #expect(output.health.isOverflowing)
        #expect(output.health.dropped == counts.dropped)
        // Logged at once, then at most once per 10 s: one line for 90 accepts that dropped.
        let dropLines = log.messages(containing: "alerts dropped: the memory queue and spool")
        #expect(dropLines.count == 1)

        output.finish(timeout: .milliseconds(100))
        let final = output.counts
        #expect(final.delivered == 0)
        #expect(final.dropped == counts.dropped)
        #expect(final.dropped + final.leftInSpool == 1000)
        // The drops after the first log line are logged at the end, not lost.
        let logged = log.messages(containing: "alerts dropped").compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
        #expect(UInt64(logged) == final.dropped)
    }

    @Test func aSpoolLeftAtFinishIsDeliveredFirstByTheNextRun() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let options = QueuedOutput.Options(memoryLimit: 4096, stateDirectory: directory.path, retry: Self.fastRetry)
        let first = QueuedOutput(
            name: "webhook http://x/", transport: ScriptedTransport(.down), options: options, logger: LogCapture().logger)
        first.accept(makeAlerts(0..<500))
        first.finish(timeout: .milliseconds(300))
        #expect(first.counts.leftInSpool == 500)
        #expect(first.counts.dropped == 0)

        let log = LogCapture()
        let transport = ScriptedTransport(.up)
        let second = QueuedOutput(name: "webhook http://x/", transport: transport, options: options, logger: log.logger)
        #expect(second.counts.recovered == 500)
        second.accept(makeAlerts(500..<600))
        second.finish(timeout: .seconds(30))
        #expect(transport.deliveredNumbers == Array(0..<600))
        #expect(second.counts.delivered == 600)
        #expect(second.counts.accepted == 100)
        #expect(second.counts.leftInSpool == 0)
        #expect(!log.messages(containing: "500 alerts left by an earlier run").isEmpty)
    }

    /// The batch in flight came from the spool and newer alerts wait in memory: at finish the spool is
    /// rewritten as batch, memory, rest of the spool.
    @Test func finishKeepsOrderWhenTheBatchInFlightCameFromTheSpool() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let options = QueuedOutput.Options(memoryLimit: 2048, stateDirectory: directory.path, retry: Self.fastRetry)
        // Delivers its first batch (from memory), then reports the receiver down.
        let transport = ScriptedTransport(.down, upFor: 1, batchLimit: AlertBatchLimit(alerts: 1000, bytes: 1 << 20))
        let first = QueuedOutput(name: "out", transport: transport, options: options, logger: LogCapture().logger)
        first.accept(makeAlerts(0..<100))
        // The thread has taken the whole spool as one batch and fails on it.
        #expect(waitUntil { transport.calls >= 3 })
        #expect(first.health.spooledAlerts > 0)
        first.accept(makeAlerts(100..<110))  // the spool has nothing unread: these go to memory
        first.finish(timeout: .milliseconds(100))
        let deliveredFirst = transport.deliveredNumbers
        #expect(!deliveredFirst.isEmpty)
        #expect(first.counts.leftInSpool == UInt64(110 - deliveredFirst.count))

        let next = ScriptedTransport(.up)
        let second = QueuedOutput(name: "out", transport: next, options: options, logger: LogCapture().logger)
        second.finish(timeout: .seconds(30))
        #expect(deliveredFirst + next.deliveredNumbers == Array(0..<110))
    }

    @Test func aRecordCutShortByACrashIsCutOffAndTheRestDelivered() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let options = QueuedOutput.Options(memoryLimit: 0, stateDirectory: directory.path, retry: Self.fastRetry)
        let first = QueuedOutput(name: "out", transport: ScriptedTransport(.down), options: options, logger: LogCapture().logger)
        first.accept(makeAlerts(0..<50))
        first.finish(timeout: .zero)
        #expect(first.counts.leftInSpool == 50)
        let spool = try FileHandle(forWritingTo: URL(fileURLWithPath: first.spoolPath!))
        try spool.seekToEnd()
        try spool.write(contentsOf: Data([200, 0, 0, 0, 1, 65, 66]))  // a record claiming 200 bytes, 2 written
        try spool.close()

        let log = LogCapture()
        let transport = ScriptedTransport(.up)
        let second = QueuedOutput(name: "out", transport: transport, options: options, logger: log.logger)
        second.finish(timeout: .seconds(30))
        #expect(transport.deliveredNumbers == Array(0..<50))
        #expect(!log.messages(containing: "unfinished").isEmpty)
    }

    @Test func aFileThatIsNoSpoolIsSetAside() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = QueuedOutput.spoolPath(stateDirectory: directory.path, name: "out")
        try FileManager.default.createDirectory(atPath: directory.file("spool"), withIntermediateDirectories: true)
        try Data("not a spool file at all\n".utf8).write(to: URL(fileURLWithPath: path))
        let log = LogCapture()
        let transport = ScriptedTransport(.up)
        let output = QueuedOutput(
            name: "out", transport: transport, options: QueuedOutput.Options(stateDirectory: directory.path), logger: log.logger)
        output.accept(makeAlerts(0..<3))
        output.finish(timeout: .seconds(10))
        #expect(transport.deliveredNumbers == [0, 1, 2])
        #expect(FileManager.default.fileExists(atPath: path + ".damaged"))
        #expect(!log.messages(containing: "set the old file aside").isEmpty)
    }

    @Test func onlyAlertsOfTheMinimumTierAndAboveAreTaken() {
        let transport = ScriptedTransport(.up)
        let output = QueuedOutput(name: "out", minimumTier: 2, transport: transport, logger: LogCapture().logger)
        output.accept(makeAlerts(0..<30))  // tiers 1, 2, 3, 1, 2, 3, …
        output.finish(timeout: .seconds(10))
        #expect(transport.deliveredNumbers == (0..<30).filter { $0 % 3 != 0 })
        #expect(output.counts.accepted == 20)
    }

    @Test func withoutASpoolAlertsLeftAtFinishAreDroppedAndSaid() {
        let log = LogCapture()
        let output = QueuedOutput(name: "out", transport: ScriptedTransport(.down), options: QueuedOutput.Options(), logger: log.logger)
        output.accept(makeAlerts(0..<10))
        output.finish(timeout: .milliseconds(50))
        #expect(output.counts.dropped == 10)
        #expect(output.counts.leftInSpool == 0)
        #expect(!log.messages(containing: "10 undelivered alerts dropped at finish").isEmpty)
    }

    @Test func spoolNamesAreSafeFileNames() {
        #expect(QueuedOutput.sanitizedFileName("syslog udp://127.0.0.1:5514") == "syslog_udp_127.0.0.1_5514")
        #expect(QueuedOutput.sanitizedFileName("webhook https://h.example/a/b?…") == "webhook_https_h.example_a_b_")
        #expect(QueuedOutput.sanitizedFileName("../..") == "_..")
        let long = QueuedOutput.sanitizedFileName("webhook https://example/" + String(repeating: "a", count: 300))
        #expect(long.utf8.count < 130)
        #expect(long != QueuedOutput.sanitizedFileName("webhook https://example/" + String(repeating: "a", count: 301)))
    }

    @Test func backOffDoublesUpToTheMaximum() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(5), jitter: 0)
        #expect(policy.delay(attempt: 1) == .milliseconds(100))
        #expect(policy.delay(attempt: 2) == .milliseconds(200))
        #expect(policy.delay(attempt: 6) == .milliseconds(3200))
        #expect(policy.delay(attempt: 7) == .seconds(5))
        #expect(policy.delay(attempt: 100) == .seconds(5))
        let jittered = RetryPolicy(jitter: 0.25).delay(attempt: 3)
        #expect(jittered <= .milliseconds(400) && jittered >= .milliseconds(300))
    }
}

/// `waitsWhenFull`: the store's output never drops; it slows whoever hands it alerts.
@Suite struct QueuedOutputWaitsWhenFullTests {
    @Test(.timeLimit(.minutes(1))) func acceptWaitsForRoomInsteadOfDroppingAndCountsTheStall() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let transport = ScriptedTransport(.blocked)
        let output = QueuedOutput(
            name: "store", transport: transport,
            options: QueuedOutput.Options(
                memoryLimit: 2048, stateDirectory: directory.path, spoolLimit: 8192, retry: QueuedOutputTests.fastRetry,
                waitsWhenFull: true),
            logger: LogCapture().logger)
        let done = DispatchSemaphore(value: 0)
        let feeder = Thread {
            for start in stride(from: 0, to: 2000, by: 20) { output.accept(makeAlerts(start..<start + 20)) }
            done.signal()
        }
        feeder.start()

        // The receiver is blocked: memory (2 KiB) and spool (8 KiB) fill up, and accept waits.
        #expect(waitUntil { output.health.isStalling })
        #expect(done.wait(timeout: .now() + .milliseconds(200)) == .timedOut, "accept returned with no room")
        #expect(output.counts.accepted < 2000)
        #expect(output.counts.stalled >= 1)
        #expect(output.health.stalled >= 1)
        #expect(output.counts.dropped == 0)

        transport.set(.up)
        #expect(done.wait(timeout: .now() + 30) == .success)
        output.finish(timeout: .seconds(30))
        #expect(transport.deliveredNumbers == Array(0..<2000))
        let counts = output.counts
        #expect(counts.accepted == 2000)
        #expect(counts.delivered == 2000)
        #expect(counts.dropped == 0)
        #expect(!output.health.isStalling)
    }

    @Test(.timeLimit(.minutes(1))) func withoutASpoolItWaitsForMemory() throws {
        let transport = ScriptedTransport(.blocked)
        let output = QueuedOutput(
            name: "store", transport: transport,
            options: QueuedOutput.Options(memoryLimit: 2048, retry: QueuedOutputTests.fastRetry, waitsWhenFull: true),
            logger: LogCapture().logger)
        let done = DispatchSemaphore(value: 0)
        let feeder = Thread {
            for start in stride(from: 0, to: 500, by: 10) { output.accept(makeAlerts(start..<start + 10)) }
            done.signal()
        }
        feeder.start()
        #expect(waitUntil { output.health.isStalling })
        transport.set(.up)
        #expect(done.wait(timeout: .now() + 30) == .success)
        output.finish(timeout: .seconds(30))
        #expect(transport.deliveredNumbers == Array(0..<500))
        #expect(output.counts.dropped == 0)
    }
}
