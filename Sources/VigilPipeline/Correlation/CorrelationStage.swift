import VigilAlert
import VigilCorrelate
import VigilEvent

/// Ordered stage that feeds detections to correlation, in input order, and hands correlation alerts to
/// the ``AlertSink``, each step at the place it reserved in the output (after the detections of the
/// batch that triggered it: the alert writer stage runs first).
///
/// With one shard the engine runs on the collector thread; with more, each group shard and the merger
/// run on threads of their own (``ThreadedCorrelationEngine``) and alerts are written from the merger
/// thread. Either way the alerts are the same: shards split groups, and the collector's input order
/// does not depend on the number of parse workers.
struct CorrelationStage: OrderedStage {
    private enum Engine {
        case inline(CorrelationEngine)
        case threaded(ThreadedCorrelationEngine)
    }

    let name = "correlate"
    /// Detections received; the rest of ``counters`` comes from the correlation counters.
    private var received: UInt64 = 0
    /// nil while a reload left the run without correlation rules.
    private var engine: Engine?
    /// The counters of engines a reload replaced.
    private var retired = CorrelationStats()
    private let sink: AlertSink
    /// The correlation counters of the run, once ``finish()`` ran (the run's report reads them from
    /// the finished stage).
    private(set) var stats: CorrelationStats?

    /// The run's counters once finished; before, those of the steps done so far (a summary while the
    /// run goes on). Read on the collector.
    var currentStats: CorrelationStats {
        if let stats { return stats }
        var stats = retired
        switch engine {
        case .inline(let engine): stats.merge(engine.stats)
        case .threaded(let engine): stats.merge(engine.currentStats)
        case nil: break
        }
        return stats
    }

    var counters: StageCounters {
        var counters = StageCounters(stage: "correlate")
        counters.received = received
        let stats = currentStats
        counters.emitted = UInt64(stats.alerts)
        counters.drop(DropReason("late_event"), count: UInt64(stats.late))
        counters.drop(DropReason("missing_group_field"), count: UInt64(stats.missingGroupKey))
        return counters
    }
    /// Whether idle ticks move the watermark with the wall clock (live input only: in a replay the
    /// wall clock says nothing about event time).
    private let followsWallClock: Bool
    private var progress: SourceProgress
    /// Jumps the sources' progress did not take, and hosts it could not track (see ``SourceProgress``).
    var eventTime: EventTimeCounters { progress.counters }

    init(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions, sink: AlertSink, followsWallClock: Bool, roster: SourceRoster,
        maxClockSkew: Timestamp.Duration
    ) {
        self.progress = SourceProgress(
            roster: roster, maxClockSkew: maxClockSkew, idleSourceTimeout: followsWallClock ? .seconds(10) : nil)
        self.sink = sink
        self.followsWallClock = followsWallClock
        self.engine = Self.makeEngine(ruleSet: ruleSet, options: options, sink: sink)
    }

    private static func makeEngine(ruleSet: CorrelationRuleSet, options: CorrelationOptions, sink: AlertSink) -> Engine? {
        if ruleSet.isEmpty { return nil }
        if options.shards > 1 {
            return .threaded(
                ThreadedCorrelationEngine(ruleSet: ruleSet, options: options) { alerts in
                    // A failed write is kept by the sink and reported at the end of the run.
                    try? sink.send(alerts)
                })
        }
        return .inline(CorrelationEngine(ruleSet: ruleSet, options: options))
    }

    /// A reload changed the correlation rules (at a batch boundary, on the collector): the engine and
    /// all its state (windows, episodes, the watermark's history) are dropped undecided, after the
    /// alerts of the steps already sent were written, and a new engine for `ruleSet` starts empty (none
    /// when it has no rule). The sources' progress is kept. Counters add up across engines.
    ///
    /// The seam for keeping the state of unchanged rules: a snapshot of the old engine's state per
    /// rule, restored into the new one, would go here.
    mutating func replaceRules(_ ruleSet: CorrelationRuleSet, options: CorrelationOptions) {
        switch engine {
        case .inline(let engine): retired.merge(engine.stats)
        case .threaded(let engine): retired.merge(engine.stop())
        case nil: break
        }
        engine = Self.makeEngine(ruleSet: ruleSet, options: options, sink: sink)
    }

    mutating func consume(_ result: inout BatchResult) throws {
        var inputs = result.correlationInputs
        result.correlationInputs = nil
        received += UInt64(inputs?.detectionCount ?? 0)
        if let pending = result.pendingTime { inputs?.resolvePendingTimes(to: pending.time, precision: pending.precision) }
        // The watermark follows the slowest source (see SourceProgress); `.distantPast` leaves it.
        let latest = progress.observe(result) ?? .distantPast
        guard let engine else { return }
        sink.expectCorrelationStep()
        switch engine {
        case .inline(let engine):
            if let inputs { engine.ingest(inputs, latestEventTime: latest) } else { engine.observe(eventTime: latest) }
            try sink.send(engine.advance())
        case .threaded(let engine):
            if let inputs { engine.ingest(inputs, latestEventTime: latest) } else { engine.observe(eventTime: latest) }
            engine.advance()
        }
        try checkSink()
    }

    mutating func idle(now: Timestamp) throws {
        guard followsWallClock else { return }
        _ = progress.progress()
        guard let engine else { return }
        sink.expectCorrelationStep()
        switch engine {
        case .inline(let engine): try sink.send(engine.idle(wallClock: now))
        case .threaded(let engine): engine.idle(wallClock: now)
        }
        try checkSink()
    }

    mutating func finish() throws {
        var stats = retired
        if let engine {
            sink.expectCorrelationStep()
            switch engine {
            case .inline(let engine):
                try sink.send(engine.finish())
                stats.merge(engine.stats)
            case .threaded(let engine):
                stats.merge(engine.finish())
            }
        }
        self.stats = stats
        try checkSink()
    }

    private func checkSink() throws {
        if let error = sink.failure { throw error }
    }
}
