import Synchronization
import VigilAlert
import VigilEvent

/// Counters of what keeps vigil from seeing everything, written by the stages that know and read by
/// the ``HealthMonitor``.
public final class HealthSignals: Sendable {
    private let values = Mutex<[HealthMonitor.Reason: UInt64]>([:])
    private let providers = Mutex<[HealthMonitor.Reason: @Sendable () -> UInt64]>([:])

    public init() {}

    /// Sets a cumulative figure.
    func set(_ reason: HealthMonitor.Reason, to value: UInt64) {
        values.withLock { $0[reason] = value }
    }

    /// Reads a cumulative figure from `provider` when asked (listeners' drop counters).
    func provide(_ reason: HealthMonitor.Reason, _ provider: @escaping @Sendable () -> UInt64) {
        providers.withLock { $0[reason] = provider }
    }

    func value(_ reason: HealthMonitor.Reason) -> UInt64 {
        if let provider = providers.withLock({ $0[reason] }) { return provider() + values.withLock { $0[reason] ?? 0 } }
        return values.withLock { $0[reason] ?? 0 }
    }
}

/// Raises `kind: health` alerts when vigil is blinded: events dropped, late or dated in the future,
/// correlation state shed, episodes closed early, alerts an output could not keep. Each reason is a
/// rule of its own (`vigil-health-<reason>`, tier 1 unless `rules/tiers.yml` says otherwise) whose
/// detections are the increases of its counter, folded into episodes like any other detection, so the
/// analyst's queue shows when and how much vigil could not see.
public struct HealthMonitor {
    public enum Reason: String, CaseIterable, Sendable {
        case eventsDropped = "events_dropped"
        case lateEvents = "late_events"
        case futureDatedEvents = "future_dated_events"
        case correlationStateShed = "correlation_state_shed"
        case episodesEvicted = "episodes_evicted"
        case alertsDropped = "alerts_dropped"
        case sourceSilent = "source_silent"

        var title: String {
            switch self {
            case .eventsDropped: "vigil dropped events it received (backpressure, kernel buffer, shutdown)"
            case .lateEvents: "Events arrived later than the lateness and were not correlated"
            case .futureDatedEvents: "Events dated ahead of the clock were correlated at their receive time"
            case .correlationStateShed: "Correlation state was evicted or shed at its memory bound"
            case .episodesEvicted: "Alert episodes were closed early at their bound"
            case .alertsDropped: "An alert output dropped alerts (spool full or reader gone)"
            case .sourceSilent: "A host that was sending stopped sending"
            }
        }
    }

    static let rulePrefix = "vigil-health-"

    static func rule(_ reason: Reason) -> Alert.Rule {
        Alert.Rule(
            id: rulePrefix + reason.rawValue.replacingOccurrences(of: "_", with: "-"), name: "vigil_health_" + reason.rawValue,
            title: reason.title, level: "medium", tags: ["vigil.health"])
    }

    /// Where each cumulative figure comes from.
    let signals: HealthSignals
    /// Figures only a live run reads as it goes (sharded correlation counts on its own threads, so a
    /// replay reads them once, at the end, for alerts that do not depend on thread timing).
    let live: Bool
    private var reported: [Reason: UInt64] = [:]
    private let clock = ContinuousClock()
    private var lastCheck: ContinuousClock.Instant?

    init(signals: HealthSignals, live: Bool) {
        self.signals = signals
        self.live = live
    }

    /// The increases since the last call, per reason (at most once a second on live input, except at
    /// the end).
    mutating func increases(final: Bool) -> [(Reason, UInt64, UInt64)] {
        if live && !final {
            let now = clock.now
            if let lastCheck, now - lastCheck < .seconds(1) { return [] }
            lastCheck = now
        }
        var result: [(Reason, UInt64, UInt64)] = []
        for reason in Reason.allCases {
            // In a replay, figures counted on other threads are read at the end only.
            if !live && !final && (reason == .lateEvents || reason == .correlationStateShed || reason == .alertsDropped) { continue }
            let total = signals.value(reason)
            let before = reported[reason] ?? 0
            if total > before {
                result.append((reason, total - before, total))
                reported[reason] = total
            }
        }
        return result
    }
}
