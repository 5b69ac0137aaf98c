import Logging
import Synchronization
import VigilArchive

/// The edge's end of a run (`vigil cluster edge`): takes the run's batches and control records in
/// input order, as the archive stage hands them, and publishes them to the raw stream as archive
/// blocks (``ArchiveBlockStreamEncoder``).
///
/// Each block's message id is the edge's instance id (random, chosen at start) and the block's
/// number, so the server drops a publish retried after a lost acknowledgement, and a restarted edge,
/// with a new instance id, is never taken for a duplicate. Publishing waits for the server's
/// acknowledgement: an analyzer or a server that falls behind slows the edge's collector, whose ring
/// then slows the readers (flow control), and nothing is dropped.
public final class JetStreamBlockPublisher: ArchiveRecordSink {
    private struct State: ~Copyable {
        var encoder: ArchiveBlockStreamEncoder
        var blocks: UInt64 = 0
        var retries: UInt64 = 0
        var duplicates: UInt64 = 0
        var failure: NATSError?
    }

    private let client: NATSClient
    private let state: Mutex<State>
    private let logger: Logger
    public let instance: String
    public let firstSequence: UInt64 = 0

    public init(client: NATSClient, logger: Logger, instance: String = JetStreamBlockPublisher.newInstanceID()) {
        self.client = client
        self.logger = logger
        self.instance = instance
        state = Mutex(State(encoder: ArchiveBlockStreamEncoder(blockSize: ClusterLayout.blockSize)))
    }

    /// 16 random hex digits.
    public static func newInstanceID() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public var counters: ArchiveCounters { state.withLock { $0.encoder.counters } }
    /// Publishes retried (server unreachable, stream full) and blocks the server already had.
    public var retries: UInt64 { state.withLock { $0.retries } }

    public func append(_ batch: consuming ArchiveBatch) {
        let batch = batch
        state.withLock { state in
            state.encoder.append(batch)
            publishFinished(&state)
        }
    }

    public func append(_ record: ArchiveControlRecord) {
        state.withLock { state in
            state.encoder.append(record)
            // An idle live run: what is pending goes out now rather than wait for a full block.
            if case .tick = record { state.encoder.flush() }
            publishFinished(&state)
        }
    }

    public func finish() throws {
        try state.withLock { (state) throws(NATSError) in
            state.encoder.flush()
            publishFinished(&state)
            if let failure = state.failure { throw failure }
        }
    }

    private func publishFinished(_ state: inout State) {
        for block in state.encoder.takeBlocks() {
            let id = "\(instance).\(state.blocks)"
            state.blocks += 1
            var retries: UInt64 = 0
            do {
                let duplicate = try block.withUnsafeBytes { bytes throws(NATSError) in
                    try client.publish(subject: ClusterLayout.rawSubject, payload: bytes, messageID: id) { error in
                        retries += 1
                        if retries == 1 { logger.warning("\(error): retrying until the server takes it") }
                    }
                }
                if duplicate { state.duplicates += 1 }
            } catch let error as NATSError {
                logger.error("\(error)")
                state.failure = error
            } catch {
                logger.error("\(error)")
            }
            state.retries += retries
        }
    }
}
