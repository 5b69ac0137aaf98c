import Foundation

/// A `nats-server` with JetStream on a free 127.0.0.1 port and a temporary store, for the cluster
/// tests; stopped (and its store removed) by ``stop()``. Debian's package installs it (`make deps`).
public final class NATSServer: @unchecked Sendable {
    public let port: Int
    public let directory = TemporaryDirectory()
    private var process: Process?

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts the server and waits (up to 10 s) until it accepts connections.
    public init() throws {
        port = freePort()
        try start()
    }

    /// The server program: on PATH, or where Debian puts it.
    static var program: String {
        for candidate in ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "nats-server"
    }

    /// Starts it again on the same port and store (after ``kill()``).
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.program, "-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", directory.file("store")]
        let log = directory.file("server.log")
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        guard waitUntil(timeout: .seconds(10), { isListening(port: port) }) else {
            kill()
            throw ServerFailure(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    /// SIGKILL, as a crash.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func stop() {
        kill()
        directory.remove()
    }

    public struct ServerFailure: Error, CustomStringConvertible {
        public var log: String
        public var description: String { "nats-server did not start: \(log.suffix(2000))" }
    }
}
