import Logging
import Synchronization
import VigilArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The edge's end of a run (`vigil cluster edge`): takes the run's batches and control records in
/// input order, as the archive stage hands them, and publishes them to the raw stream as archive
/// blocks (``ArchiveBlockStreamEncoder``).
///
/// Each block's message id is the edge's instance id (random, chosen at start) and the block's
/// number, so the server drops a publish retried after a lost acknowledgement, and a restarted edge,
/// with a new instance id, is never taken for a duplicate. Publishing waits for the server's
/// acknowledgement, and every few blocks (16 at most) the edge looks at the raw stream's consumers: while the one
/// furthest behind lags by more than ``maxLag`` blocks, it waits. So an analyzer or a server that falls
/// behind slows the edge's collector, whose ring then slows the readers (flow control), and nothing is
/// dropped; each wait is logged and counted.
public final class JetStreamBlockPublisher: ArchiveRecordSink {
    private struct State: ~Copyable {
        var encoder: ArchiveBlockStreamEncoder
        var blocks: UInt64 = 0
        var retries: UInt64 = 0
        var duplicates: UInt64 = 0
        var lagWaits: UInt64 = 0
        var lagWaitNanoseconds: UInt64 = 0
        /// When a wait was last logged (at most one line per 10 s).
        var lagLogged: ContinuousClock.Instant?
        var failure: NATSError?
    }

    private let client: NATSClient
    private let state: Mutex<State>
    private let logger: Logger
    public let instance: String
    public let firstSequence: UInt64 = 0
    /// Blocks (about 512 KiB of raw messages each) an analyzer may lag behind before the edge waits.
    public let maxLag: UInt64

    public init(
        client: NATSClient, logger: Logger, instance: String = JetStreamBlockPublisher.newInstanceID(), maxLag: UInt64 = 1024
    ) {
        self.client = client
        self.logger = logger
        self.instance = instance
        self.maxLag = maxLag
        state = Mutex(State(encoder: ArchiveBlockStreamEncoder(blockSize: ClusterLayout.blockSize)))
    }

    /// 16 random hex digits.
    public static func newInstanceID() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public var counters: ArchiveCounters { state.withLock { $0.encoder.counters } }
    /// Publishes retried (server unreachable, stream full).
    public var retries: UInt64 { state.withLock { $0.retries } }
    /// Blocks the server already had (a publish retried after its acknowledgement was lost).
    public var duplicates: UInt64 { state.withLock { $0.duplicates } }
    /// Times the edge waited for a lagging analyzer, and for how long in all.
    public var lagWaits: (count: UInt64, seconds: Double) {
        state.withLock { ($0.lagWaits, Double($0.lagWaitNanoseconds) / 1e9) }
    }

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
            // Looked at every 16 blocks, or more often when the lag allowed is small.
            if state.blocks % max(1, min(16, maxLag / 2)) == 0 { waitForAnalyzers(&state) }
        }
    }

    /// Waits while the consumer furthest behind lags by more than ``maxLag`` blocks.
    private func waitForAnalyzers(_ state: inout State) {
        let start = ContinuousClock.now
        var waited = false
        while true {
            let lag = (try? client.consumers(stream: ClusterLayout.rawStream).map(\.state.pending).max()) ?? nil
            guard let lag, lag > maxLag else { break }
            if !waited {
                waited = true
                state.lagWaits += 1
                if state.lagLogged.map({ start - $0 > .seconds(10) }) ?? true {
                    state.lagLogged = start
                    logger.warning(
                        "an analyzer lags \(lag) blocks behind (more than \(maxLag)): the edge waits for it (\(state.lagWaits) waits so far)"
                    )
                }
            }
            usleep(100_000)
        }
        if waited {
            let time = ContinuousClock.now - start
            state.lagWaitNanoseconds +=
                UInt64(time.components.seconds) * 1_000_000_000 + UInt64(time.components.attoseconds / 1_000_000_000)
        }
    }
}
