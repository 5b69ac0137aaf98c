import Foundation
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
    // @unchecked: the caller-side state (`router`, `watermark`, `queued`, `routingStats`) is used by the
    // one calling thread only; shards and the merger are confined to their threads; the mailboxes lock.
    private enum ShardMessage {
        case step(inputs: [CorrelationInput], watermark: Timestamp, horizon: Timestamp)
        case stop
    }

    private enum MergerMessage {
        case chain(step: Int, inputs: [CorrelationInput], watermark: Timestamp, horizon: Timestamp)
        case output(step: Int, shard: Int, CorrelationOutput)
        case stop(shard: Int, CorrelationStats)
    }

    public let options: CorrelationOptions
    public let router: CorrelationRouter
    public private(set) var watermark: Watermark
    private var queued: [[CorrelationInput]]
    private var routingStats = CorrelationStats()
    private var step = 0
    private let shardMailboxes: [Mailbox<ShardMessage>]
    private let mergerMailbox: Mailbox<MergerMessage>
    private let finished = DispatchSemaphore(value: 0)
    private var finalStats = CorrelationStats()

    /// Starts one thread per group shard and one for the merger. `onAlerts` runs on the merger thread.
    public init(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions = CorrelationOptions(),
        onAlerts: @escaping @Sendable ([Alert]) -> Void
    ) {
        self.options = options
        router = CorrelationRouter(ruleSet: ruleSet, shards: options.shards)
        watermark = Watermark(lateness: options.lateness)
        queued = Array(repeating: [], count: router.shards + 1)
        shardMailboxes = (0..<router.shards).map { _ in Mailbox(capacity: options.mailboxCapacity) }
        mergerMailbox = Mailbox(capacity: options.mailboxCapacity * (router.shards + 1))
        for index in 0..<router.shards {
            let mailbox = shardMailboxes[index], merger = mergerMailbox
            let shard = CorrelationShard(ruleSet: ruleSet, options: options, role: .group(index))
            Thread.detachNewThread {
                var step = 0
                while true {
                    switch mailbox.take() {
                    case .step(let inputs, let watermark, let horizon):
                        shard.ingest(contentsOf: inputs)
                        merger.post(.output(step: step, shard: index, shard.advance(to: watermark, horizon: horizon)))
                        step += 1
                    case .stop:
                        merger.post(.stop(shard: index, shard.stats))
                        return
                    }
                }
            }
        }
        let merger = CorrelationMerger(ruleSet: ruleSet, options: options)
        let shards = router.shards, mailbox = mergerMailbox, done = finished
        Thread.detachNewThread { [unowned self] in
            var outputs: [Int: [CorrelationOutput?]] = [:]
            var chains: [Int: ([CorrelationInput], Timestamp, Timestamp)] = [:]
            var next = 0, stopped = 0
            var stats = CorrelationStats()
            while stopped < shards {
                switch mailbox.take() {
                case .chain(let step, let inputs, let watermark, let horizon): chains[step] = (inputs, watermark, horizon)
                case .output(let step, let shard, let output):
                    outputs[step, default: Array(repeating: nil, count: shards)][shard] = output
                case .stop(_, let shardStats):
                    stats.merge(shardStats)
                    stopped += 1
                }
                while let ready = outputs[next], ready.allSatisfy({ $0 != nil }), let chain = chains[next] {
                    onAlerts(merger.merge(ready.map { $0! }, chainInputs: chain.0, watermark: chain.1, horizon: chain.2))
                    outputs[next] = nil
                    chains[next] = nil
                    next += 1
                }
            }
            stats.merge(merger.chain.stats)
            self.finalStats = stats
            done.signal()
        }
    }

    /// Takes the detections of one batch (see ``CorrelationEngine/ingest(_:latestEventTime:)``).
    public func ingest(_ detections: [Detection], latestEventTime: Timestamp? = nil) {
        var latest = latestEventTime ?? .distantPast
        // Read detections in place: iterating by value would retain and release each one's strings.
        detections.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                let time = buffer[index].time
                if latestEventTime == nil, time > latest { latest = time }
                guard router.reads(buffer[index].rule) else { continue }
                if watermark.isLate(time) {
                    routingStats.late += 1
                    continue
                }
                routingStats.missingGroupKey += router.route(buffer[index], toShards: &queued)
            }
        }
        watermark.observe(latest)
    }

    /// Sends a step: every shard decides the windows that ended before the watermark.
    public func advance() { send(horizon: .distantFuture) }

    /// Live input is idle: the watermark follows the wall clock, then a step.
    public func idle(wallClock: Timestamp) {
        watermark.advance(wallClock: wallClock)
        advance()
    }

    /// End of input: a last step with the watermark at infinity; waits until every alert was handed to
    /// `onAlerts` and the threads ended. Returns the counters of the run.
    @discardableResult
    public func finish() -> CorrelationStats {
        let horizon = options.decideAbsenceBeyondInput ? Timestamp.distantFuture : watermark.maxEventTime
        watermark.finish()
        send(horizon: horizon)
        for mailbox in shardMailboxes { mailbox.post(.stop) }
        finished.wait()
        var stats = finalStats
        stats.merge(routingStats)
        return stats
    }

    private func send(horizon: Timestamp) {
        for (index, mailbox) in shardMailboxes.enumerated() {
            mailbox.post(.step(inputs: queued[index], watermark: watermark.current, horizon: horizon))
            queued[index].removeAll(keepingCapacity: true)
        }
        mergerMailbox.post(.chain(step: step, inputs: queued[router.shards], watermark: watermark.current, horizon: horizon))
        queued[router.shards].removeAll(keepingCapacity: true)
        step += 1
    }
}
