import Logging
import Synchronization
import VigilArchive
import VigilEvent
import VigilPipeline

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An analyzer's input (`vigil cluster analyze`): the raw stream's blocks, in stream order, turned back
/// into the batches, source ends and ticks the edge's run had (``RecordedBatchFeed``), so the
/// pipeline decodes, detects and correlates them exactly as a single `vigil run` of the same input.
///
/// The feed reads the whole stream from its first block, through an ephemeral consumer without
/// acknowledgements, and keeps its own position: when the server goes away (a restart) or the
/// consumer is lost, it subscribes again from the block after the last one it fed. An analyzer that
/// was killed starts over from the first block: alert ids are deterministic and the alert stream
/// drops an id it already has, so the alert set is the same and nothing is stored twice
/// (docs/SCALING.md; what this costs, and the checkpoints that will bound it, are there too).
///
/// `drain`: the feed ends when an edge's run began, every source it expected has ended and the stream
/// has no block after the last one fed (a batch job, `scripts/cluster-check.sh`); otherwise it waits
/// for more.
public final class JetStreamBatchFeed: RecordedBatchFeed, @unchecked Sendable {
    public let name: String
    public let from: Timestamp? = nil
    public let to: Timestamp? = nil
    private let client: NATSClient
    private let drain: Bool
    private let instance: String
    private let logger: Logger
    // Only the feed's thread touches these once the run started.
    private var subscription: PullSubscription?
    /// The stream sequence of the next block to feed.
    private var nextSequence: UInt64 = 1
    /// Fetched by ``expectedSources()`` and not yet fed.
    private var held: [FetchedMessage] = []
    private var failing = false
    private let progress = Mutex<(blocks: UInt64, damaged: UInt64, resubscribed: UInt64)>((0, 0, 0))
    /// Time the feed's thread spent waiting for the server (fetching), and decoding blocks and handing
    /// their batches on (which waits while the pipeline is full): where an analyzer's time goes.
    private let waits = Mutex<(fetching: Duration, feeding: Duration)>((.zero, .zero))

    public init(client: NATSClient, drain: Bool, instance: String, logger: Logger) {
        self.client = client
        self.drain = drain
        self.instance = instance
        self.logger = logger
        name = "\(client.url) stream \(ClusterLayout.rawStream)"
    }

    /// Blocks fed, blocks that failed their checks (skipped and logged), and subscriptions made again.
    public var counts: (blocks: UInt64, damaged: UInt64, resubscribed: UInt64) { progress.withLock { $0 } }

    /// Seconds spent fetching blocks, and decoding and handing them to the pipeline.
    public var seconds: (fetching: Double, feeding: Double) {
        waits.withLock { (Self.seconds($0.fetching), Self.seconds($0.feeding)) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Waits for the first block and reads the run start it begins with.
    public func expectedSources() throws -> [UInt32] {
        while held.isEmpty { held = fetch() }
        guard let first = held.first, let records = try? ArchiveBlockStreamDecoder.records(first.data) else { return [] }
        for record in records {
            if case .runStart(let start) = record { return start.expectedSources.map(\.source) }
        }
        return []
    }

    public func forEachRecord(damaged: (any Error) -> Void, _ body: (ArchiveRecord) throws -> Void) throws {
        var expected: Set<UInt32> = []
        var ended: Set<UInt32> = []
        /// Whether an edge's run began in what was fed (a drain waits for one).
        var started = false
        /// Fetches that came back empty while the stream had blocks after ours.
        var starved = 0
        while true {
            var messages = held
            held = []
            if messages.isEmpty {
                let start = ContinuousClock.now
                messages = fetch()
                let took = ContinuousClock.now - start
                waits.withLock { $0.fetching += took }
            }
            if messages.isEmpty {
                let last = lastSequence()
                if drain && started && ended.isSuperset(of: expected) && nextSequence > last { return }
                // A consumer the server lost (a restart) or a pull request a reconnect dropped can leave
                // a subscription that looks alive and delivers nothing: after 2 s of that, subscribe again.
                starved = nextSequence <= last ? starved + 1 : 0
                if starved >= 4 {
                    starved = 0
                    subscription = nil
                    progress.withLock { $0.resubscribed += 1 }
                    logger.notice("no blocks delivered for 2 s while the stream has more: subscribing again from block \(nextSequence)")
                }
                continue
            }
            starved = 0
            let start = ContinuousClock.now
            defer {
                let took = ContinuousClock.now - start
                waits.withLock { $0.feeding += took }
            }
            for message in messages {
                // After subscribing again, blocks already fed may come once more.
                guard message.streamSequence >= nextSequence else { continue }
                do {
                    for record in try ArchiveBlockStreamDecoder.records(message.data, block: Int(message.streamSequence)) {
                        switch record {
                        case .runStart(let start):
                            // A later run of the edge: its sources are the ones to wait for.
                            expected = Set(start.expectedSources.map(\.source))
                            ended = []
                            started = true
                        case .sourceEnd(let source): ended.insert(source)
                        default: break
                        }
                        try body(record)
                    }
                    progress.withLock { $0.blocks += 1 }
                } catch let error as ArchiveError {
                    progress.withLock { $0.damaged += 1 }
                    damaged(error)
                }
                nextSequence = message.streamSequence + 1
            }
            // Done without waiting for an empty fetch when the last block just went through.
            if drain && started && ended.isSuperset(of: expected) && nextSequence > lastSequence() { return }
        }
    }

    /// The stream's last sequence (0 when it is empty), retried while the server is away.
    private func lastSequence() -> UInt64 {
        while true {
            do {
                let state = try client.streamState(ClusterLayout.rawStream)
                recovered()
                return state.lastSequence
            } catch {
                failed(error)
            }
        }
    }

    /// The next blocks (empty after half a second without any), subscribing (again) as needed.
    private func fetch() -> [FetchedMessage] {
        while true {
            do {
                if subscription == nil {
                    subscription = try client.orderedPull(
                        stream: ClusterLayout.rawStream, subject: ClusterLayout.rawSubject, startSequence: nextSequence,
                        description: "analyzer \(instance)", inactiveSeconds: 5)
                }
                // A few blocks at a time: the consumer's lag, which the edge's flow control reads, counts
                // blocks not yet delivered, so what an analyzer holds beyond it stays small (2 MiB).
                let messages = try subscription!.fetch(count: 4, timeoutMilliseconds: 500)
                recovered()
                return messages
            } catch {
                subscription = nil
                progress.withLock { $0.resubscribed += 1 }
                failed(error)
            }
        }
    }

    private func failed(_ error: NATSError) {
        if !failing { logger.warning("\(error): trying again from block \(nextSequence) every half second") }
        failing = true
        usleep(500_000)
    }

    private func recovered() {
        if failing { logger.notice("raw stream reachable again: going on from block \(nextSequence)") }
        failing = false
    }
}
