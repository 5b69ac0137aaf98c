import CoreMetrics
import Prometheus
import Synchronization

/// The server's metrics, made with a factory on the registry `/metrics` shows rather than through the
/// global `MetricsSystem`: that can be bootstrapped once per process, and tests run many servers.
final class ServerMetrics: Sendable {
    private let factory: PrometheusMetricsFactory
    private let requestCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    /// Streams open now.
    let streamSubscribers: Meter
    /// Alerts a stream's client lost because it read too slowly (it resumes from the store).
    let droppedStreamAlerts: CoreMetrics.Counter

    init(registry: PrometheusCollectorRegistry) {
        factory = PrometheusMetricsFactory(registry: registry)
        streamSubscribers = Meter(label: "vigil_http_stream_subscribers", factory: factory)
        droppedStreamAlerts = CoreMetrics.Counter(label: "vigil_http_stream_dropped_alerts_total", factory: factory)
    }

    /// Counts a request by its route (the pattern, e.g. `/alerts/{id}`, or `unmatched`) and status.
    func recordRequest(route: String, status: Int) {
        let key = "\(route) \(status)"
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "vigil_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
