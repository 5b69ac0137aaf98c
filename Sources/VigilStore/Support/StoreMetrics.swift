import Metrics

/// The store's metrics, recorded once per written batch (not per alert).
struct StoreMetrics: Sendable {
    let written = Counter(label: "vigil_store_alerts_written_total")
    /// Alerts offered again (a spool re-delivered) and not stored twice.
    let duplicates = Counter(label: "vigil_store_alerts_duplicate_total")
    let batches = Counter(label: "vigil_store_batches_total")
    let writeSeconds = Metrics.Timer(label: "vigil_store_write_seconds")
    let pruned = Counter(label: "vigil_store_alerts_pruned_total")
    /// `vigil_alerts_total{tier,state}`: stored alerts by tier (1-3) and episode state.
    let byTierAndState: [[Counter]]
    let triage: [String: Counter]

    static let states = ["opened", "updated", "closed"]

    init() {
        byTierAndState = (1...3).map { tier in
            Self.states.map { Counter(label: "vigil_alerts_total", dimensions: [("tier", String(tier)), ("state", $0)]) }
        }
        triage = Dictionary(
            uniqueKeysWithValues: ["acknowledge", "escalate", "close"].map {
                ($0, Counter(label: "vigil_triage_actions_total", dimensions: [("action", $0)]))
            })
    }

    func recordWrite(stored: [StoredAlert], offered: Int, took: Duration) {
        batches.increment()
        writeSeconds.recordNanoseconds(AlertStore.nanoseconds(took))
        written.increment(by: stored.count)
        if offered > stored.count { duplicates.increment(by: offered - stored.count) }
        var counts = [Int](repeating: 0, count: 9)
        for alert in stored {
            guard let state = Self.states.firstIndex(of: alert.state) else { continue }
            counts[(min(3, max(1, alert.tier)) - 1) * 3 + state] += 1
        }
        for (index, count) in counts.enumerated() where count > 0 { byTierAndState[index / 3][index % 3].increment(by: count) }
    }

    func recordTriage(_ action: TriageAction) {
        switch action {
        case .acknowledge: triage["acknowledge"]?.increment()
        case .escalate: triage["escalate"]?.increment()
        case .close: triage["close"]?.increment()
        }
    }
}
