import Logging
import Synchronization
import VigilArchive
import VigilEvent
import VigilPipeline

/// An analyzer's input (`vigil cluster analyze`): the raw stream's blocks, in stream order, turned back
/// into the batches, source ends and ticks the edge's run had (``RecordedBatchFeed``), so the
/// pipeline decodes, detects and correlates them exactly as a single `vigil run` of the same input.
///
/// Each block is acknowledged once its records were handed to the pipeline. `drain`: the feed ends
/// when every source the edge's run expected has ended and the stream has nothing more (a batch job,
/// `scripts/cluster-check.sh`); otherwise it waits for more for ever.
public final class JetStreamBatchFeed: RecordedBatchFeed, @unchecked Sendable {
    public let name: String
    public let from: Timestamp? = nil
    public let to: Timestamp? = nil
    private let subscription: PullSubscription
    private let client: NATSClient
    private let drain: Bool
    private let logger: Logger
    /// Fetched by ``expectedSources()`` and not yet fed (only the feed's thread touches it after).
    private var held: [FetchedMessage] = []
    private let fed = Mutex<(blocks: UInt64, damaged: UInt64)>((0, 0))

    public init(client: NATSClient, drain: Bool, logger: Logger) throws(NATSError) {
        self.client = client
        self.drain = drain
        self.logger = logger
        name = "\(client.url) stream \(ClusterLayout.rawStream)"
        subscription = try client.pullSubscription(
            stream: ClusterLayout.rawStream, durable: ClusterLayout.analyzerConsumer, subject: ClusterLayout.rawSubject)
    }

    /// Blocks fed and blocks that failed their checks (skipped, acknowledged, logged).
    public var blocks: (fed: UInt64, damaged: UInt64) { fed.withLock { ($0.blocks, $0.damaged) } }

    /// Waits for the first block and reads the run start it begins with.
    public func expectedSources() throws -> [UInt32] {
        while held.isEmpty {
            held = try subscription.fetch(count: 1, timeoutMilliseconds: 1_000)
            if held.isEmpty, drain, try client.streamState(ClusterLayout.rawStream).messages == 0 { return [] }
        }
        guard let first = held.first, let records = try? ArchiveBlockStreamDecoder.records(first.data) else { return [] }
        for record in records {
            if case .runStart(let start) = record { return start.expectedSources.map(\.source) }
        }
        return []
    }

    public func forEachRecord(damaged: (any Error) -> Void, _ body: (ArchiveRecord) throws -> Void) throws {
        var expected: Set<UInt32> = []
        var ended: Set<UInt32> = []
        while true {
            var messages = held
            held = []
            if messages.isEmpty { messages = try subscription.fetch(count: 16, timeoutMilliseconds: 500) }
            if messages.isEmpty {
                if drain && !expected.isEmpty && ended.isSuperset(of: expected) {
                    let state = try client.consumerState(stream: ClusterLayout.rawStream, durable: ClusterLayout.analyzerConsumer)
                    if state.pending == 0 && state.ackPending == 0 { return }
                }
                continue
            }
            for message in messages {
                do {
                    for record in try ArchiveBlockStreamDecoder.records(message.data, block: Int(message.streamSequence)) {
                        switch record {
                        case .runStart(let start):
                            // A later run of the edge: its sources are the ones to wait for.
                            expected = Set(start.expectedSources.map(\.source))
                            ended = []
                        case .sourceEnd(let source): ended.insert(source)
                        default: break
                        }
                        try body(record)
                    }
                    fed.withLock { $0.blocks += 1 }
                } catch let error as ArchiveError {
                    fed.withLock { $0.damaged += 1 }
                    damaged(error)
                }
                try subscription.acknowledge(message)
            }
        }
    }
}
