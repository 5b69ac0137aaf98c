import Metrics
import Synchronization
import VigilEvent

/// Emits a run's figures through swift-metrics (`/metrics` shows them through swift-prometheus).
///
/// The pipeline counts in plain integers on its hot paths (a metrics call per event would cost more
/// than parsing it); this observer turns the run's cumulative summary, about once a second, into
/// increments of named counters and into gauges. Every component's counters thereby reach the metrics
/// system under one naming scheme (`vigil_<component>_<what>_total`), the way Vector's components do.
public final class RunMetrics: RunObserver {
    private let factory: any MetricsFactory
    /// What was last reported for each counter (name and labels), so each update adds only the change.
    private let reported = Mutex<[CounterKey: Int64]>([:])
    private let running = Atomic<Bool>(false)

    private struct CounterKey: Hashable {
        var label: String
        var dimensions: [String]
    }

    /// `factory`: where the metrics go (the process's Prometheus registry); not the global
    /// `MetricsSystem`, so that tests can use a registry of their own.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Whether the pipeline runs (between ``runStarted()`` and ``runEnded(_:)``): `/readyz`.
    public var isRunning: Bool { running.load(ordering: .relaxed) }

    public func runStarted() {
        running.store(true, ordering: .relaxed)
    }

    public func runProgressed(_ summary: RunSummary) {
        record(summary)
    }

    public func runEnded(_ summary: RunSummary) {
        record(summary)
        running.store(false, ordering: .relaxed)
    }

    /// Brings every counter up to `summary` and sets the gauges.
    func record(_ summary: RunSummary) {
        reported.withLock { reported in
            func count(_ label: String, _ dimensions: [(String, String)] = [], _ value: UInt64) {
                let key = CounterKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
                let total = Int64(clamping: value)
                let delta = total - reported[key, default: 0]
                guard delta > 0 else { return }
                reported[key] = total
                Counter(label: label, dimensions: dimensions, factory: factory).increment(by: delta)
            }
            for input in summary.inputs {
                count("vigil_input_messages_total", [("source", input.name)], input.messages)
                count("vigil_input_bytes_total", [("source", input.name)], input.bytes)
                count("vigil_input_truncated_total", [("source", input.name)], input.truncated)
                count("vigil_input_dropped_total", [("source", input.name), ("reason", "backpressure")], input.droppedBackpressure)
                count("vigil_input_dropped_total", [("source", input.name), ("reason", "kernel")], input.droppedByKernel)
                count("vigil_input_dropped_total", [("source", input.name), ("reason", "shutdown")], input.lostAtShutdown)
            }
            for format in EventFormat.allCases {
                count("vigil_events_total", [("format", "\(format)")], summary.parse.events(in: format))
            }
            for (reason, number) in summary.parseErrors {
                count("vigil_parse_errors_total", [("reason", "\(reason)")], number)
            }
            for (reason, number) in summary.drops {
                count("vigil_events_dropped_total", [("reason", "\(reason)")], number)
            }
            count("vigil_events_future_dated_total", [], summary.eventTime.futureTime)
            guard let analysis = summary.analysis else { return }
            for decoder in analysis.decoders {
                count("vigil_decoder_matches_total", [("decoder", decoder.name)], decoder.matched)
            }
            for rule in analysis.rules {
                count("vigil_rule_matches_total", [("rule", rule.label)], rule.detections)
            }
            if let correlation = analysis.correlation {
                count("vigil_correlation_late_events_total", [], UInt64(max(0, correlation.late)))
                count("vigil_correlation_shed_groups_total", [], UInt64(max(0, correlation.shedGroups)))
                Gauge(label: "vigil_correlation_groups", factory: factory).record(correlation.liveGroups)
            }
            if let alerts = analysis.alerts {
                for tier in 1...3 { count("vigil_alerts_emitted_total", [("tier", String(tier))], alerts.byTier[tier]) }
                count("vigil_alerts_excepted_total", [], alerts.excepted)
                count("vigil_alerts_below_min_tier_total", [], alerts.belowMinimumTier)
                for (rule, figures) in alerts.rules {
                    count("vigil_rule_alerts_total", [("rule", rule)], figures.alerts)
                    count("vigil_rule_suppressed_total", [("rule", rule)], figures.suppressed)
                }
                for (name, figures) in alerts.outputs {
                    for (outcome, number) in [
                        ("accepted", figures.accepted), ("delivered", figures.delivered), ("retried", figures.retried),
                        ("spooled", figures.spooled), ("dropped", figures.dropped),
                    ] {
                        count("vigil_output_alerts_total", [("output", name), ("outcome", outcome)], number)
                    }
                }
            }
        }
        Gauge(label: "vigil_peak_memory_bytes", factory: factory).record(Int64(clamping: summary.peakMemoryBytes))
        Gauge(label: "vigil_ring_batches", factory: factory).record(summary.ringOccupancy)
        Gauge(label: "vigil_ring_capacity_batches", factory: factory).record(summary.ringCapacity)
    }
}
