import Foundation
import Logging
import Metrics
import Prometheus
import VigilOutput
import VigilPipeline
import VigilServer
import VigilStore

/// What `--http` adds to a run: the alert store as an output, the analysts' exceptions as the alert
/// filter, the run's figures as metrics, and the HTTP server over all three.
///
/// Started before the run reads anything (a busy port or a bad token file fails first), stopped after
/// the run drained: the store has every alert by then, and open streams get their `shutdown` event.
final class AnalystDesk {
    let store: AlertStore
    let server: ConsoleServer
    let address: ConsoleServer.BoundAddress

    /// Opens the store, starts the server and points `runOptions` at both.
    init(_ options: ConsoleOptions, runOptions: inout RunOptions, logger: Logger) throws(DeskError) {
        guard let http = options.http, let (host, port) = ConsoleOptions.hostAndPort(http) else {
            throw DeskError(message: "--http: expected HOST:PORT")
        }
        // The one metrics system of the process: /metrics shows what every component emits through it.
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let retention = (try? DurationOption.parse(options.alertRetention, option: "--alert-retention")).map {
            Duration.nanoseconds($0.nanoseconds)
        }
        do {
            store = try AlertStore(directory: runOptions.stateDirectory, retention: retention, logger: logger)
        } catch {
            throw DeskError(message: "\(error)")
        }
        var queue = QueuedOutput.Options()
        queue.stateDirectory = runOptions.stateDirectory
        queue.spoolLimit = runOptions.spoolSize
        runOptions.extraOutputs.append(store.output(minimumTier: 1, options: queue))
        runOptions.alertFilter = store.exceptionList
        let metrics = RunMetrics(factory: factory)
        runOptions.observer = metrics
        var configuration = ConsoleServer.Configuration(
            host: host, port: port, tokenFile: options.tokenFile, tlsCertificate: options.tlsCertificate, tlsKey: options.tlsKey)
        configuration.shutdownGracePeriod = .seconds(2)
        do {
            server = try ConsoleServer(
                configuration: configuration, store: store, registry: registry, isReady: { metrics.isRunning }, logger: logger)
            address = try server.startBlocking()
        } catch {
            throw DeskError(message: "--http \(http): \(error)")
        }
        FileHandle.standardError.write(Data("vigil: the console and alert API are on \(address.url)\n".utf8))
        // The same shape as the syslog listeners' line: tests and scripts read the port from it.
        logger.info(
            "listening on \(address.tls ? "https" : "http") \(address.host.contains(":") ? "[\(address.host)]" : address.host):\(address.port)"
        )
    }

    /// Ends the streams (each gets a `shutdown` event) and stops listening.
    ///
    /// The run has drained by now, so the store has published its last alerts: streams get up to two
    /// seconds to send what they hold before the `shutdown` event (which a stream writes before anything
    /// still queued for it), so that a client that kept up sees every alert without resuming.
    func stop() {
        let deadline = ContinuousClock.now + .seconds(2)
        while store.feed.backlog > 0 && ContinuousClock.now < deadline { usleep(10_000) }
        // The last item a stream's relay handed over is taken by its writer at once when the client keeps up.
        usleep(50_000)
        server.shutdownBlocking()
        store.feed.finish()
    }
}

struct DeskError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
