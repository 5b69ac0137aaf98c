import Foundation
import Synchronization
import VigilAlert
import VigilEvent

/// ``CorrelationEngine`` with each group shard and the merger on a thread of its own.
///
/// The caller (the pipeline's ordered collector) routes detections and moves the watermark; each step
/// goes to every shard thread through a bounded mailbox (a full mailbox blocks the caller:
/// backpressure); the merger thread joins the shards' outputs step by step, runs the chain shard and
/// hands each step's alerts, ordered, to `onAlerts`. The alerts are those of ``CorrelationEngine`` with
/// the same options, step for step.
public final class ThreadedCorrelationEngine: @unchecked Sendable {
    // @unchecked: the caller-side state (`intake`, `step`) is used by the one calling thread only;
    // shards and the merger are confined to their threads; the mailboxes lock. Batches are shared by
    // every shard of a step, read-only (each reads its own list). `finalStats` is written by the merger
    // thread before it signals `finished` and read by the caller after waiting for it; `liveStats` is
    // locked.
    private typealias Inputs = CorrelationIntake.Queued

    private enum ShardMessage {
        case step(inputs: Inputs, watermark: Timestamp, horizon: Timestamp)
        /// Take in `inputs`, then send the shard's snapshot section.
        case snapshot(inputs: Inputs)
        case stop
    }

    private enum MergerMessage {
        case chain(step: Int, inputs: Inputs, watermark: Timestamp, horizon: Timestamp)
        case output(step: Int, shard: Int, CorrelationOutput, CorrelationStats)
        /// A snapshot was asked for after the steps before it: the chain shard takes in `inputs`.
        case snapshotChain(inputs: Inputs, watermark: Watermark)
        case snapshot(shard: Int, [UInt8])
        case stop(shard: Int, CorrelationStats)
    }

    public let options: CorrelationOptions
    private var intake: CorrelationIntake
    private var step = 0
    private let shardMailboxes: [Mailbox<ShardMessage>]
    private let mergerMailbox: Mailbox<MergerMessage>
    private let finished = DispatchSemaphore(value: 0)
    private var finalStats = CorrelationStats()
    /// Written by the merger thread before it signals `snapshotTaken`, read by the caller after.
    private let snapshotTaken = DispatchSemaphore(value: 0)
    private var takenSnapshot: CorrelationSnapshot?
    /// The shards' and the chain's counters as of the last step the merger joined.
    private let liveStats = Mutex(CorrelationStats())

    /// Starts one thread per group shard and one for the merger, from `restored` state when given (a
    /// restart: see ``snapshot()``). `onAlerts` runs on the merger thread.
    public init(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions = CorrelationOptions(), restoring restored: RestoredCorrelation? = nil,
        onAlerts: @escaping @Sendable ([Alert]) -> Void
    ) {
        self.options = options
        var intake = CorrelationIntake(ruleSet: ruleSet, options: options)
        if let restored { intake.restore(restored) }
        self.intake = intake
        let definitions = RuleDefinition.all(ruleSet.rules)
        let shards = intake.router.shards
        shardMailboxes = (0..<shards).map { _ in Mailbox(capacity: options.mailboxCapacity) }
        mergerMailbox = Mailbox(capacity: options.mailboxCapacity * (shards + 1))
        for index in 0..<shards {
            let mailbox = shardMailboxes[index], merger = mergerMailbox
            let shard = CorrelationShard(ruleSet: ruleSet, options: options, role: .group(index))
            if let restored { shard.restore(restored) }
            Thread.detachNewThread {
                var step = 0
                while true {
                    switch mailbox.take() {
                    case .step(let inputs, let watermark, let horizon):
                        for (batch, lateBefore) in inputs { shard.ingest(batch, list: index, lateBefore: lateBefore) }
                        let output = shard.advance(to: watermark, horizon: horizon)
                        merger.post(.output(step: step, shard: index, output, shard.stats))
                        step += 1
                    case .snapshot(let inputs):
                        for (batch, lateBefore) in inputs { shard.ingest(batch, list: index, lateBefore: lateBefore) }
                        merger.post(.snapshot(shard: index, shard.snapshotSection(definitions: definitions)))
                    case .stop:
                        merger.post(.stop(shard: index, shard.stats))
                        return
                    }
                }
            }
        }
        let merger = CorrelationMerger(ruleSet: ruleSet, options: options)
        if let restored { merger.chain.restore(restored) }
        let mailbox = mergerMailbox, done = finished, taken = snapshotTaken
        Thread.detachNewThread { [unowned self] in
            var outputs: [Int: [CorrelationOutput?]] = [:]
            var chains: [Int: (Inputs, Timestamp, Timestamp)] = [:]
            var next = 0, stopped = 0
            var stats = CorrelationStats()
            var sections: [Int: [UInt8]] = [:]
            var snapshotRequest: (inputs: Inputs, watermark: Watermark)?
            var latest = Array(repeating: CorrelationStats(), count: shards)
            while stopped < shards {
                switch mailbox.take() {
                case .chain(let step, let inputs, let watermark, let horizon): chains[step] = (inputs, watermark, horizon)
                case .output(let step, let shard, let output, let shardStats):
                    outputs[step, default: Array(repeating: nil, count: shards)][shard] = output
                    latest[shard] = shardStats
                case .snapshotChain(let inputs, let watermark): snapshotRequest = (inputs, watermark)
                case .snapshot(let shard, let section): sections[shard] = section
                case .stop(_, let shardStats):
                    stats.merge(shardStats)
                    stopped += 1
                }
                var joined = false
                while let ready = outputs[next], ready.allSatisfy({ $0 != nil }), let chain = chains[next] {
                    onAlerts(merger.merge(ready.map { $0! }, inputs: chain.0, watermark: chain.1, horizon: chain.2))
                    outputs[next] = nil
                    chains[next] = nil
                    next += 1
                    joined = true
                }
                if joined {
                    var live = merger.chain.stats
                    for shardStats in latest { live.merge(shardStats) }
                    liveStats.withLock { $0 = live }
                }
                // Each shard sent its section after its outputs of every earlier step, and the caller
                // sent those steps before the request: with every section here, they are all merged.
                if let request = snapshotRequest, sections.count == shards {
                    for (batch, lateBefore) in request.inputs { merger.chain.ingest(batch, list: batch.shards, lateBefore: lateBefore) }
                    let all = (0..<shards).map { sections[$0]! } + [merger.chain.snapshotSection(definitions: definitions)]
                    self.takenSnapshot = CorrelationSnapshot(
                        emit: options.emit, watermark: request.watermark, groupShards: shards, sections: all)
                    sections = [:]
                    snapshotRequest = nil
                    taken.signal()
                }
            }
            stats.merge(merger.chain.stats)
            self.finalStats = stats
            done.signal()
        }
    }

    /// Routes detections for this engine's shard count.
    public var router: CorrelationRouter { intake.router }

    /// Event-time progress.
    public var watermark: Watermark { intake.watermark }

    /// Takes the detections of one batch (see ``CorrelationEngine/ingest(_:latestEventTime:)``).
    public func ingest(_ detections: [Detection], latestEventTime: Timestamp? = nil) {
        intake.ingest(detections, latestEventTime: latestEventTime)
    }

    /// Takes one routed batch (see ``CorrelationEngine/ingest(_:latestEventTime:)``).
    public func ingest(_ batch: CorrelationBatch, latestEventTime: Timestamp) {
        intake.ingest(batch, latestEventTime: latestEventTime)
    }

    /// Notes an event time without detections (keeps the watermark moving on quiet rules).
    public func observe(eventTime: Timestamp) {
        intake.observe(eventTime: eventTime)
    }

    /// Sends a step: every shard decides the windows that ended before the watermark.
    public func advance() { send(horizon: .distantFuture) }

    /// Live input is idle: the watermark follows the wall clock, then a step.
    public func idle(wallClock: Timestamp) {
        intake.advance(wallClock: wallClock)
        advance()
    }

    /// The counters as of the last step the merger joined, with the late and unroutable detections
    /// counted so far (``finish()`` returns the run's). Call from the calling thread, like ``ingest(_:latestEventTime:)``.
    public var currentStats: CorrelationStats {
        var stats = liveStats.withLock { $0 }
        stats.merge(intake.stats)
        return stats
    }

    /// End of input: a last step with the watermark at infinity; waits until every alert was handed to
    /// `onAlerts` and the threads ended. Returns the counters of the run.
    @discardableResult
    public func finish() -> CorrelationStats {
        send(horizon: intake.finish(decideAbsenceBeyondInput: options.decideAbsenceBeyondInput))
        return stop()
    }

    /// The state now, as a state file, without deciding anything (see
    /// ``CorrelationEngine/snapshot()``): every shard takes in the batches ingested since the last step
    /// and writes its section after the steps before it; waits for all of them. The engine can go on
    /// afterwards: ``stop()`` ends it without a last step, ``finish()`` with one.
    public func snapshot() -> CorrelationSnapshot {
        let inputs = intake.takeQueued()
        for mailbox in shardMailboxes { mailbox.post(.snapshot(inputs: inputs)) }
        mergerMailbox.post(.snapshotChain(inputs: inputs, watermark: intake.watermark))
        snapshotTaken.wait()
        defer { takenSnapshot = nil }
        return takenSnapshot!
    }

    /// Ends the threads without a last step: every step sent so far is decided and its alerts handed
    /// to `onAlerts`, then the state (open windows, episodes) is dropped undecided (after a
    /// ``snapshot()``, a restart or a reload continues from that). Returns the counters so far. The
    /// engine takes nothing afterwards.
    @discardableResult
    public func stop() -> CorrelationStats {
        for mailbox in shardMailboxes { mailbox.post(.stop) }
        finished.wait()
        var stats = finalStats
        stats.merge(intake.stats)
        return stats
    }

    private func send(horizon: Timestamp) {
        let inputs = intake.takeQueued(), watermark = intake.watermark.current
        for mailbox in shardMailboxes { mailbox.post(.step(inputs: inputs, watermark: watermark, horizon: horizon)) }
        mergerMailbox.post(.chain(step: step, inputs: inputs, watermark: watermark, horizon: horizon))
        step += 1
    }
}
