import Synchronization
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// Collects what a reader hands over.
final class CollectingSink: BatchSink {
    private let batches = Mutex<[RawBatch]>([])
    private let refusalsLeft: Atomic<Int>
    let accepts: Bool

    /// `refusing` the first that many `trySubmit`s (a full pipeline), then accepting.
    init(accepts: Bool = true, refusing: Int = 0) {
        self.accepts = accepts
        self.refusalsLeft = Atomic(refusing)
    }

    func submit(_ batch: RawBatch) { batches.withLock { $0.append(batch) } }

    func trySubmit(_ batch: RawBatch) -> Bool {
        guard accepts else { return false }
        if refusalsLeft.load(ordering: .relaxed) > 0 {
            refusalsLeft.subtract(1, ordering: .relaxed)
            return false
        }
        submit(batch)
        return true
    }

    var all: [RawBatch] { batches.withLock { $0 } }

    /// Every message text with its (source, sequence), in hand-over order.
    var messages: [(source: UInt32, sequence: UInt64, text: String)] {
        all.flatMap { batch in
            batch.messages.enumerated().map { i, range in
                (batch.source.rawValue, batch.firstSequence + UInt64(i), String(decoding: batch.bytes[range.range], as: UTF8.self))
            }
        }
    }
}

@Suite("StreamReader")
struct StreamReaderTests {
    static let threeLines = [
        "Mar  1 00:00:01 web-01 sshd[1234]: Failed password for root from 198.51.100.7 port 50022 ssh2",
        "Mar  1 00:00:02 web-01 sshd[1234]: Accepted password for alice from 192.0.2.5 port 50100 ssh2",
        "Mar  1 00:00:03 web-01 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)",
    ]

    func read(_ fixture: String, batchSize: Int = 1 << 20, maxMessageSize: Int = 1024) throws -> (CollectingSink, IngestCounters) {
        let sink = CollectingSink()
        let counters = IngestCounters(name: fixture)
        var reader = StreamReader(
            source: try InputStream.open(path: TestPaths.fixture("Ingest/\(fixture)").path), sourceID: SourceID(7),
            counters: counters, maxMessageSize: maxMessageSize, batchSize: batchSize)
        try reader.run(into: sink)
        return (sink, counters)
    }

    @Test("plain file: lines, CRLF, blank line, unterminated last line")
    func plainFile() throws {
        let (sink, counters) = try read("three-lines.log")
        #expect(sink.messages.map(\.text) == Self.threeLines)
        #expect(sink.messages.map(\.sequence) == [0, 1, 2])
        #expect(sink.messages.allSatisfy { $0.source == 7 })
        #expect(counters.snapshot().emptyLines == 1)
        #expect(counters.snapshot().messages == 3)
    }

    @Test("gzip is detected by magic bytes and gives the same messages")
    func gzipFile() throws {
        #expect(try InputStream.open(path: TestPaths.fixture("Ingest/three-lines.log.gz").path).isCompressed)
        #expect(try !InputStream.open(path: TestPaths.fixture("Ingest/three-lines.log").path).isCompressed)
        let (sink, _) = try read("three-lines.log.gz")
        #expect(sink.messages.map(\.text) == Self.threeLines)
    }

    @Test("concatenated gzip members are read one after the other")
    func gzipMembers() throws {
        let (sink, _) = try read("two-members.log.gz")
        #expect(sink.messages.map(\.text) == Self.threeLines + [#"{"msg":"second member"}"#])
    }

    @Test("a truncated gzip file is an error after the bytes before the cut")
    func truncatedGzip() throws {
        #expect(throws: IngestError.self) { _ = try read("truncated.log.gz") }
    }

    @Test("tiny batches carry partial lines over and keep sequence numbers dense", arguments: [201, 250, 300, 4096])
    func smallBatches(batchSize: Int) throws {
        let (sink, counters) = try read("three-lines.log", batchSize: batchSize, maxMessageSize: 100)
        #expect(sink.messages.map(\.text) == Self.threeLines)
        #expect(sink.messages.map(\.sequence) == [0, 1, 2])
        #expect(counters.snapshot().batches == UInt64(sink.all.count))
    }

    @Test("a missing file fails to open with its path")
    func missingFile() {
        #expect(throws: IngestError.cannotOpen(path: "/nonexistent/x.log", errno: 2)) {
            _ = try InputStream.open(path: "/nonexistent/x.log")
        }
    }
}

@Suite("MessageBatchBuilder")
struct MessageBatchBuilderTests {
    @Test("batches keep dense sequence numbers and a refused batch can be offered again")
    func sequencesAndRetry() {
        var builder = MessageBatchBuilder(sourceID: SourceID(3), capacity: 64)
        for text in ["a", "bb"] { Array(text.utf8).withUnsafeBytes { builder.append($0) } }
        let first = builder.makeBatch()
        #expect(builder.makeBatch().bytes == first.bytes)  // not cleared until advanced
        builder.advance()
        #expect(builder.isEmpty)
        Array("ccc".utf8).withUnsafeBytes { builder.append($0, failure: ParseFailure(.oversizeMessage, at: 3)) }
        let second = builder.makeBatch()
        #expect(first.firstSequence == 0 && first.count == 2)
        #expect(first.messages == [ByteRange(start: 0, end: 1), ByteRange(start: 1, end: 3)])
        #expect(second.firstSequence == 2 && second.count == 1)
        #expect(second.framingFailures.map(\.index) == [0])
        #expect(first.bytes == Array("abb".utf8))
    }
}

@Suite("StreamReader stopping")
struct StreamReaderStopTests {
    @Test("a stop hands over what was read; a line cut short by it is marked truncated_frame")
    func stopMarksCutLine() throws {
        let stop = StopToken()
        let sink = CollectingSink()
        var reader = StreamReader(
            source: try InputStream.open(path: TestPaths.fixture("Ingest/three-lines.log").path), sourceID: SourceID(1),
            counters: IngestCounters(name: "t"), maxMessageSize: 100, batchSize: 201)
        // The first batch (201 bytes) ends inside the third line; then the stop comes.
        let first = reader.nextBatch(stop: stop)
        if let batch = first.batch { sink.submit(batch) }
        stop.requestStop()
        try reader.run(into: sink, stop: stop)
        let texts = sink.messages.map(\.text)
        let lines = StreamReaderTests.threeLines
        #expect(texts.count == 3)
        #expect(Array(texts.prefix(2)) == Array(lines.prefix(2)))
        #expect(lines[2].hasPrefix(texts[2]) && texts[2].count < lines[2].count)
        #expect(sink.all.last?.framingFailures.map(\.failure.reason) == [.truncatedFrame])
    }
}
