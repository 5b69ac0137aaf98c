import Foundation
import Logging
import Prometheus
import Testing
import VigilServer
import VigilStore
import VigilTestSupport

@Suite struct ConfigurationTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("[::1]", true), ("localhost", true), ("LOCALHOST", true),
        ("::ffff:127.0.0.1", true), ("0.0.0.0", false), ("::", false), ("10.0.0.1", false), ("128.0.0.1", false),
        ("example.com", false), ("localhost.example.com", false), ("", false),
    ])
    func loopback(host: String, isLoopback: Bool) {
        #expect(ConsoleServer.isLoopback(host) == isLoopback)
    }

    /// What vigil says when asked to serve beyond loopback without what that needs.
    @Test(arguments: [
        (
            "0.0.0.0", false, false,
            "refusing to serve the console on 0.0.0.0, which is not loopback, without --http-token-file FILE (who may use it) and --http-tls-cert FILE and --http-tls-key FILE (HTTPS): add them, or listen on 127.0.0.1, ::1 or localhost"
        ),
        (
            "10.1.2.3", true, false,
            "refusing to serve the console on 10.1.2.3, which is not loopback, without --http-tls-cert FILE and --http-tls-key FILE (HTTPS): add them, or listen on 127.0.0.1, ::1 or localhost"
        ),
        (
            "example.com", false, true,
            "refusing to serve the console on example.com, which is not loopback, without --http-token-file FILE (who may use it): add them, or listen on 127.0.0.1, ::1 or localhost"
        ),
    ])
    func refusesNonLoopbackWithoutTokensAndTLS(host: String, withTokens: Bool, withTLS: Bool, message: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try AlertStore(directory: directory.file("state"), logger: Logger(label: "test"))
        defer { store.close() }
        var configuration = ConsoleServer.Configuration(host: host, port: 0)
        if withTokens { configuration.tokenFile = directory.file("tokens") }
        if withTLS {
            configuration.tlsCertificate = directory.file("cert.pem")
            configuration.tlsKey = directory.file("key.pem")
        }
        #expect(throws: ServerError.configuration(message)) {
            try ConsoleServer(
                configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        }
    }

    @Test func tokenFileAndTLSErrorsNameTheFile() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try AlertStore(directory: directory.file("state"), logger: Logger(label: "test"))
        defer { store.close() }
        try "alice:analyst:alice-token-0123456789\nbob:boss:bob-token-0123456789ab\n".write(
            toFile: directory.file("tokens"), atomically: true, encoding: .utf8)
        var configuration = ConsoleServer.Configuration(host: "127.0.0.1", port: 0, tokenFile: directory.file("tokens"))
        #expect(throws: ServerError.tokenFile("\(directory.file("tokens")):2: unknown role 'boss' (viewer, analyst, analyst=1,2 or admin)"))
        {
            try ConsoleServer(
                configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        }
        configuration.tokenFile = nil
        configuration.tlsCertificate = directory.file("missing-cert.pem")
        configuration.tlsKey = directory.file("missing-key.pem")
        #expect(
            throws: ServerError.tls("cannot read the TLS certificate (--http-tls-cert) \(directory.file("missing-cert.pem")): no such file")
        ) {
            try ConsoleServer(
                configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        }
        configuration.tlsKey = nil
        #expect(throws: ServerError.configuration("--http-tls-cert needs --http-tls-key (the private key of the certificate)")) {
            try ConsoleServer(
                configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        }
    }

    @Test func portInUseFailsFastWithAClearMessage() async throws {
        let fixture = try await ServerFixture()
        let second = try ConsoleServer(
            configuration: .init(host: "127.0.0.1", port: fixture.port), store: fixture.store, registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"))
        await #expect(
            throws: ServerError.bind(
                "cannot listen on http://127.0.0.1:\(fixture.port): the address is already in use (another vigil, or another program, listens there)"
            )
        ) {
            try await second.start()
        }
        await fixture.stop()
    }

    @Test func blockingStartAndShutdownForThreadedCallers() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try AlertStore(directory: directory.file("state"), logger: Logger(label: "test"))
        defer { store.close() }
        let server = try ConsoleServer(
            configuration: .init(host: "127.0.0.1", port: 0), store: store, registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"))
        let address = try await onThread { try server.startBlocking() }
        #expect(address.port > 0)
        let health = try await onThread { try rawRequest("GET", "/healthz", port: address.port) }
        #expect(health.status == 200)
        try await onThread { server.shutdownBlocking() }
        #expect(!isListening(port: address.port))
    }
}
