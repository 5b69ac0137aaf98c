import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle
import Synchronization
import VigilStore

/// The analyst's desk over HTTP (`--http HOST:PORT`): the alert API, the live stream, the console and
/// `/metrics`, on Hummingbird (docs/http-api.md is the contract).
///
/// ``init(configuration:store:registry:isReady:logger:)`` checks everything that can be checked before
/// listening (loopback or tokens and TLS, the token file, the TLS files); ``start()`` listens and serves
/// in the background; ``shutdown()`` tells every live stream (`event: shutdown`) and closes. The server
/// handles no signal itself: the process that owns it does.
public final class ConsoleServer: Sendable {
    /// How to serve.
    public struct Configuration: Sendable {
        /// Address to listen on: an IP address or a host name (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`).
        public var host: String
        /// Port; 0 takes any free one (``start()`` says which).
        public var port: Int
        /// `--http-token-file`: without it every request is `local` with the `admin` role (loopback only).
        public var tokenFile: String?
        /// `--http-tls-cert` and `--http-tls-key` (PEM): both or neither.
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// How often an idle stream gets a `: heartbeat` comment.
        public var heartbeatInterval: Duration = .seconds(15)
        /// Items a stream's subscription holds for a client that reads slower than alerts come; past that
        /// the client is told what it lost (`event: dropped`) and the stream ends.
        public var streamBufferLimit: Int = 10_000
        /// How long a console sign-in lasts.
        public var sessionLifetime: Duration = .seconds(12 * 3600)
        /// Sign-ins kept at once (the oldest go first).
        public var maximumSessions: Int = 10_000
        /// Connections served at once; more wait in the listen backlog.
        public var maximumConnections: Int = 256
        /// How long ``ConsoleServer/shutdown()`` waits for streams and requests to finish before it
        /// closes the connections left (a client that stopped reading).
        public var shutdownGracePeriod: Duration = .seconds(5)

        public init(
            host: String = "127.0.0.1", port: Int = 0, tokenFile: String? = nil, tlsCertificate: String? = nil, tlsKey: String? = nil
        ) {
            self.host = host
            self.port = port
            self.tokenFile = tokenFile
            self.tlsCertificate = tlsCertificate
            self.tlsKey = tlsKey
        }
    }

    /// Where the server listens once started.
    public struct BoundAddress: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// Whether it serves HTTPS.
        public var tls: Bool

        /// `http://127.0.0.1:8080`, `https://[::1]:8443`.
        public var url: String {
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "\(tls ? "https" : "http")://\(shownHost):\(port)"
        }

        public var description: String { url }
    }

    /// Largest request body read (`413` beyond).
    public static let maximumBodySize = 64 * 1024
    /// Largest note on an action (`400` beyond).
    public static let maximumNoteBytes = 4096

    let configuration: Configuration
    let store: AlertStore
    let registry: PrometheusCollectorRegistry
    let isReady: @Sendable () -> Bool
    let logger: Logger
    let tokens: TokenFile?
    let tlsConfiguration: TLSConfiguration?
    let sessions: SessionStore
    let metrics: ServerMetrics
    let streams: StreamRegistry
    private let lifecycle = Mutex<Lifecycle>(.idle)

    private enum Lifecycle {
        case idle
        case running(group: ServiceGroup, task: Task<Void, Never>)
        case stopped
    }

    /// Checks the configuration and reads the token file and TLS files; nothing listens yet.
    ///
    /// - Parameters:
    ///   - store: The alert store the API reads and acts on; its ``AlertStore/feed`` drives the streams.
    ///   - registry: Where `/metrics` reads from; the server's own metrics (requests, streams) are
    ///     registered there directly, so this works whether or not the process bootstrapped
    ///     `MetricsSystem` (which can happen once per process).
    ///   - isReady: `GET /readyz` answers 200 while this is true (the store is open and the pipeline runs).
    /// - Throws: ``ServerError`` saying what is wrong and what to add or change.
    public init(
        configuration: Configuration, store: AlertStore, registry: PrometheusCollectorRegistry,
        isReady: @escaping @Sendable () -> Bool = { true }, logger: Logger
    ) throws(ServerError) {
        var configuration = configuration
        configuration.host = Self.unbracketed(configuration.host)
        guard (0...65535).contains(configuration.port) else {
            throw .configuration("port \(configuration.port) is not between 0 and 65535")
        }
        guard (configuration.tlsCertificate == nil) == (configuration.tlsKey == nil) else {
            throw .configuration(
                configuration.tlsCertificate == nil
                    ? "--http-tls-key needs --http-tls-cert (the certificate that goes with the key)"
                    : "--http-tls-cert needs --http-tls-key (the private key of the certificate)")
        }
        if !Self.isLoopback(configuration.host) {
            var missing: [String] = []
            if configuration.tokenFile == nil { missing.append("--http-token-file FILE (who may use it)") }
            if configuration.tlsCertificate == nil { missing.append("--http-tls-cert FILE and --http-tls-key FILE (HTTPS)") }
            if !missing.isEmpty {
                throw .configuration(
                    "refusing to serve the console on \(configuration.host), which is not loopback, without "
                        + missing.joined(separator: " and ")
                        + ": add them, or listen on 127.0.0.1, ::1 or localhost")
            }
        }
        self.tokens = try configuration.tokenFile.map { path throws(ServerError) in try TokenFile(path: path) }
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            self.tlsConfiguration = try Self.loadTLS(certificate: certificate, key: key)
        } else {
            self.tlsConfiguration = nil
        }
        self.configuration = configuration
        self.store = store
        self.registry = registry
        self.isReady = isReady
        self.logger = logger
        self.sessions = SessionStore(lifetime: configuration.sessionLifetime, limit: configuration.maximumSessions)
        self.metrics = ServerMetrics(registry: registry)
        self.streams = StreamRegistry()
    }

    /// Listens and serves in the background; returns where, once it listens.
    ///
    /// - Throws: ``ServerError/bind(_:)`` when the address cannot be listened on (port taken, no such
    ///   address), ``ServerError/state(_:)`` when started twice.
    public func start() async throws(ServerError) -> BoundAddress {
        let tls = tlsConfiguration != nil
        let serverBuilder: HTTPServerBuilder
        if let tlsConfiguration {
            do {
                serverBuilder = try .tls(.http1(), tlsConfiguration: tlsConfiguration)
            } catch {
                throw .tls("cannot set up TLS with \(configuration.tlsCertificate ?? "") and \(configuration.tlsKey ?? ""): \(error)")
            }
        } else {
            serverBuilder = .http1()
        }
        let (events, continuation) = AsyncStream<Result<BoundAddress, any Error>>.makeStream()
        let host = configuration.host
        let application = Application(
            router: makeRouter(),
            server: serverBuilder,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port),
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
            onServerRunning: { channel in
                continuation.yield(.success(BoundAddress(host: host, port: channel.localAddress?.port ?? 0, tls: tls)))
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let started = lifecycle.withLock { state -> Bool in
            guard case .idle = state else { return false }
            let task = Task {
                do {
                    try await group.run()
                    continuation.yield(.failure(ServerError.state("the console server stopped before it listened")))
                } catch {
                    continuation.yield(.failure(error))
                }
                continuation.finish()
            }
            state = .running(group: group, task: task)
            return true
        }
        guard started else { throw .state("the console server was already started") }
        for await event in events {
            switch event {
            case .success(let address):
                logger.info("console server listening", metadata: ["url": "\(address.url)"])
                return address
            case .failure(let error):
                lifecycle.withLock { $0 = .stopped }
                throw .bind("cannot listen on \(BoundAddress(host: host, port: configuration.port, tls: tls).url): \(Self.explain(error))")
            }
        }
        throw .state("the console server stopped before it listened")
    }

    /// Stops: every open stream gets `event: shutdown`, requests in progress finish, connections
    /// close. Connections still open after the grace period (a client that stopped reading) are closed.
    public func shutdown() async {
        let running = lifecycle.withLock { state -> (ServiceGroup, Task<Void, Never>)? in
            defer { state = .stopped }
            if case .running(let group, let task) = state { return (group, task) }
            return nil
        }
        streams.shutdown()
        guard let (group, task) = running else { return }
        await group.triggerGracefulShutdown()
        let grace = configuration.shutdownGracePeriod
        let finishedInTime = await withTaskGroup(of: Bool.self) { waiters in
            waiters.addTask {
                await task.value
                return true
            }
            waiters.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            let first = await waiters.next() ?? true
            waiters.cancelAll()
            return first
        }
        if !finishedInTime {
            logger.warning("console server: connections still open after the shutdown grace period are closed")
            task.cancel()
            await task.value
        }
    }

    // MARK: For callers that are not async

    /// ``start()`` for a caller on an ordinary thread (not a Swift concurrency thread: it blocks).
    public func startBlocking() throws(ServerError) -> BoundAddress {
        let result = Self.runBlocking { () async -> Result<BoundAddress, ServerError> in
            do throws(ServerError) {
                return .success(try await self.start())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// ``shutdown()`` for a caller on an ordinary thread (not a Swift concurrency thread: it blocks).
    public func shutdownBlocking() {
        Self.runBlocking { await self.shutdown() }
    }

    private static func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    // MARK: Checks

    /// `[::1]` as `::1`: a host as the command line may write it.
    static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z), `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = unbracketed(host).lowercased()
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127 { return true }
        }
        return false
    }

    private static func loadTLS(certificate: String, key: String) throws(ServerError) -> TLSConfiguration {
        for (path, what) in [(certificate, "certificate (--http-tls-cert)"), (key, "private key (--http-tls-key)")]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw .tls(
                "cannot read the TLS \(what) \(path): "
                    + (FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw .tls("cannot load the TLS certificate \(certificate) (PEM expected): \(error)")
        }
        guard !chain.isEmpty else { throw .tls("no certificate in \(certificate) (PEM expected)") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw .tls("cannot load the TLS private key \(key) (PEM expected): \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        // The key must match the certificate: NIOSSL checks when the context is made, so check now, not at the first client.
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw .tls("the TLS private key \(key) does not go with the certificate \(certificate): \(error)")
        }
        return tls
    }

    private static func explain(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: return "the address is already in use (another vigil, or another program, listens there)"
            case EACCES: return "permission denied (ports below 1024 need privileges)"
            case EADDRNOTAVAIL: return "no such address on this machine"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
