import Logging
import VigilAlert
import VigilCorrelate
import VigilEvent

/// How a run keeps correlation state across a restart (docs/correlation.md, "Restarts"): at a stop by
/// a signal the open windows are not decided but written to the state directory.
struct CorrelationStateKeeping: Sendable {
    var store: CorrelationStateStore
    /// Whether the run is ending on a signal (asked at the end of the run).
    var stoppedBySignal: @Sendable () -> Bool
    var logger: Logger
}

/// Ordered stage that feeds detections to correlation, in input order, and hands correlation alerts to
/// the ``AlertSequencer``, each step at the place it reserved in the output (after the detection alerts
/// of the batch that triggered it: the alert stage runs first).
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
    private let sink: AlertSequencer
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
    private let keeping: CorrelationStateKeeping?
    private let health: HealthSignals?

    /// `restored`: state a run stopped by a signal left; `keeping`: whether and where this run keeps
    /// its own (see ``CorrelationStateKeeping``).
    init(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions, sink: AlertSequencer, followsWallClock: Bool,
        restoring restored: RestoredCorrelation? = nil, keeping: CorrelationStateKeeping? = nil, health: HealthSignals? = nil
    ) {
        self.sink = sink
        self.health = health
        self.followsWallClock = followsWallClock
        self.keeping = keeping
        self.engine = Self.makeEngine(ruleSet: ruleSet, options: options, sink: sink, restoring: restored)
    }

    private static func makeEngine(
        ruleSet: CorrelationRuleSet, options: CorrelationOptions, sink: AlertSequencer, restoring restored: RestoredCorrelation? = nil
    ) -> Engine? {
        if ruleSet.isEmpty { return nil }
        if options.shards > 1 {
            return .threaded(
                ThreadedCorrelationEngine(ruleSet: ruleSet, options: options, restoring: restored) { alerts in
                    // A failed write is kept by the sink and reported at the end of the run.
                    sink.send(alerts)
                })
        }
        return .inline(CorrelationEngine(ruleSet: ruleSet, options: options, restoring: restored))
    }

    /// A reload (SIGHUP) at a batch boundary: the old engine's state is taken as a snapshot (nothing
    /// decided), the old engine ends without a last step once the alerts of the steps already sent were
    /// written, and a new engine for `ruleSet` starts from the snapshot: each rule whose identity and
    /// compiled definition did not change continues with its groups, windows and episodes; changed and
    /// new rules start empty (the returned report lists them). The sources' progress and the watermark
    /// are kept. Counters add up across engines.
    @discardableResult
    mutating func replaceRules(
        _ ruleSet: CorrelationRuleSet, options: CorrelationOptions, startingEmpty: Set<Int> = []
    ) -> RestoredCorrelation.Report? {
        var snapshot: CorrelationSnapshot? = nil
        switch engine {
        case .inline(let engine):
            snapshot = engine.snapshot()
            retired.merge(engine.stats)
        case .threaded(let engine):
            snapshot = engine.snapshot()
            retired.merge(engine.stop())
        case nil: break
        }
        // A snapshot of this run is read back in full; one that cannot be (it never should) costs only
        // the state, as before reloads carried it.
        let restored = ruleSet.isEmpty ? nil : try? snapshot?.restore(into: ruleSet, options: options, startingEmpty: startingEmpty)
        engine = Self.makeEngine(ruleSet: ruleSet, options: options, sink: sink, restoring: restored)
        return restored?.report
    }

    mutating func consume(_ result: inout BatchResult) throws {
        var inputs = result.correlationInputs
        result.correlationInputs = nil
        received += UInt64(inputs?.detectionCount ?? 0)
        if let pending = result.pendingTime { inputs?.resolvePendingTimes(to: pending.time, precision: pending.precision) }
        // The watermark follows the slowest source (see EventProgressStage); `.distantPast` leaves it.
        let latest = result.progressTime ?? .distantPast
        guard let engine else { return }
        sink.expectCorrelationStep()
        switch engine {
        case .inline(let engine):
            if let inputs { engine.ingest(inputs, latestEventTime: latest) } else { engine.observe(eventTime: latest) }
            sink.send(engine.advance())
        case .threaded(let engine):
            if let inputs { engine.ingest(inputs, latestEventTime: latest) } else { engine.observe(eventTime: latest) }
            engine.advance()
        }
        try checkSink()
    }

    mutating func idle(now: Timestamp) throws {
        guard followsWallClock else { return }
        guard let engine else { return }
        sink.expectCorrelationStep()
        switch engine {
        case .inline(let engine): sink.send(engine.idle(wallClock: now))
        case .threaded(let engine): engine.idle(wallClock: now)
        }
        try checkSink()
    }

    mutating func finish() throws {
        var stats = retired
        if let kept = keepState() {
            stats.merge(kept)
        } else if let engine {
            sink.expectCorrelationStep()
            switch engine {
            case .inline(let engine):
                sink.send(engine.finish())
                stats.merge(engine.stats)
            case .threaded(let engine):
                stats.merge(engine.finish())
            }
        }
        self.stats = stats
        try checkSink()
    }

    /// At a stop by a signal: writes the state instead of deciding the open windows, and returns the
    /// engine's counters (nil when the run ended otherwise, has no engine, or the state could not be
    /// written: then the windows are decided as at the end of input, and nothing is lost but the
    /// continuation).
    private func keepState() -> CorrelationStats? {
        guard let keeping, let engine, keeping.stoppedBySignal() else { return nil }
        let snapshot: CorrelationSnapshot
        switch engine {
        case .inline(let engine): snapshot = engine.snapshot()
        case .threaded(let engine): snapshot = engine.snapshot()
        }
        do throws(RunError) {
            try keeping.store.save(snapshot)
        } catch {
            keeping.logger.error("\(error): deciding the open correlation windows as at the end of input instead")
            return nil
        }
        let stats: CorrelationStats
        switch engine {
        case .inline(let engine): stats = engine.stats
        case .threaded(let engine): stats = engine.stop()
        }
        keeping.logger.info(
            "correlation state kept in \(keeping.store.path) (\(stats.liveGroups) groups, \(snapshot.bytes.count) bytes): the next start with the same rules continues from it"
        )
        return stats
    }

    private func checkSink() throws {
        if let health {
            let stats = currentStats
            health.set(.lateEvents, to: UInt64(stats.late))
            health.set(
                .correlationStateShed,
                to: UInt64(stats.evictedGroups + stats.shedGroups + stats.shedEarlyInputs + stats.shedLate + stats.budgetReached))
        }
        // A failed output ends the run through the alert stage before this one (a stage that throws is
        // not finished, and this one must be: its shard threads stop at finish()).
    }
}
