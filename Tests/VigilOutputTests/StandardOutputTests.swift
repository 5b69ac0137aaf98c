import Foundation
import Synchronization
import Testing
import VigilAlert
import VigilOutput
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Alerts written to a descriptor (standard output): a reader that keeps up, one that goes away, one
/// that stops reading.
@Suite struct StandardOutputTests {
    private func pipeDescriptors() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    @Test func aReaderGetsEveryLineInOrder() {
        let (readEnd, writeEnd) = pipeDescriptors()
        let received = Mutex<[UInt8]>([])
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                received.withLock { $0.append(contentsOf: buffer[0..<n]) }
            }
            close(readEnd)
        }
        reader.start()
        let output = QueuedOutput(
            name: "stdout", transport: FileDescriptorTransport(fd: writeEnd, ownsDescriptor: true), logger: LogCapture().logger)
        for start in stride(from: 0, to: 3000, by: 30) { output.accept(makeAlerts(start..<start + 30)) }
        output.finish(timeout: .seconds(30))
        #expect(waitUntil { received.withLock { $0.count } == makeAlerts(0..<3000).bytes.count })
        let text = String(decoding: received.withLock { $0 }, as: UTF8.self)
        #expect(text.split(separator: "\n").compactMap { alertNumber(String($0)) } == Array(0..<3000))
        #expect(output.counts.delivered == 3000)
    }

    @Test func aReaderThatGoesAwayClosesTheOutputOnce() {
        let (readEnd, writeEnd) = pipeDescriptors()
        close(readEnd)
        let closedCalls = Mutex(0)
        let log = LogCapture()
        let transport = FileDescriptorTransport(fd: writeEnd, ownsDescriptor: true) { closedCalls.withLock { $0 += 1 } }
        let output = QueuedOutput(
            name: "stdout", transport: transport,
            options: QueuedOutput.Options(retry: RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(20))),
            logger: log.logger)
        output.accept(makeAlerts(0..<10))
        #expect(waitUntil { output.counts.dropped == 10 })
        output.accept(makeAlerts(10..<15))
        output.finish(timeout: .seconds(5))
        // The process is alive: the output's thread got EPIPE, not SIGPIPE.
        #expect(closedCalls.withLock { $0 } == 1)
        let counts = output.counts
        #expect(counts.accepted == 15)
        #expect(counts.dropped == 15)
        #expect(counts.delivered == 0)
        #expect(counts.retried == 0)
        #expect(output.failure == nil)
        #expect(log.messages(containing: "the reader went away").count >= 1)
    }

    @Test(.timeLimit(.minutes(1))) func aReaderThatStopsReadingLeavesTheRestInTheSpoolAtFinish() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (readEnd, writeEnd) = pipeDescriptors()
        defer { close(readEnd) }
        let transport = FileDescriptorTransport(fd: writeEnd, ownsDescriptor: true, stallTimeout: .milliseconds(200))
        let output = QueuedOutput(
            name: "stdout", transport: transport,
            options: QueuedOutput.Options(
                stateDirectory: directory.path, retry: RetryPolicy(initialDelay: .milliseconds(10), maximumDelay: .milliseconds(50))),
            logger: LogCapture().logger)
        // Far more than a pipe holds (64 KiB), never read.
        var slowest = Duration.zero
        for batch in stride(from: 0, to: 5000, by: 50).map({ makeAlerts($0..<$0 + 50, pad: 60) }) {
            slowest = max(slowest, timed { output.accept(batch) })
        }
        #expect(waitUntil { output.health.isReceiverFailing })
        let took = timed { output.finish(timeout: .milliseconds(300)) }
        #expect(slowest < .milliseconds(50), "one accept took \(slowest)")
        #expect(took < .seconds(5))
        let counts = output.counts
        #expect(counts.delivered > 0)
        #expect(counts.leftInSpool > 0)
        #expect(counts.delivered + counts.leftInSpool == 5000)
        #expect(counts.dropped == 0)
    }
}
