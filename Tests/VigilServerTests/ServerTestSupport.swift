import Foundation
import Logging
import Prometheus
import Synchronization
import VigilAlert
import VigilOutput
import VigilServer
import VigilStore
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One alert line in the schema of docs/alert.schema.json, as vigil writes it.
struct TestAlert {
    var number: Int
    var episode: Int64? = 1000
    var state = "opened"
    var ruleID = "rule-1"
    var ruleName = "rule_one"
    var title = "Rule one"
    var level = "high"
    var tier = 2
    var kind = "detection"
    var host = "web-1"
    /// Seconds after 2026-03-01T00:00:00Z.
    var second = 0
    var message = "hello"

    var id: String {
        let hex = String(number, radix: 16)
        return String(repeating: "0", count: 32 - hex.count) + hex
    }

    static func time(_ second: Int) -> String {
        String(format: "2026-03-01T%02d:%02d:%02d.000000Z", second / 3600 % 24, second / 60 % 60, second % 60)
    }

    var json: String {
        var json =
            #"{"id":"\#(id)","kind":"\#(kind)","time":"\#(Self.time(second))","detected_at":"\#(Self.time(second + 1))","tier":\#(tier),"#
        json += #""rule":{"id":"\#(ruleID)","name":"\#(ruleName)","title":"\#(title)","level":"\#(level)","tags":["attack.t1110"]},"#
        json += #""entity":{"host":"\#(host)"},"host":"\#(host)""#
        if let episode {
            json +=
                #","episode":{"id":\#(episode),"state":"\#(state)","count":1,"first_seen":"\#(Self.time(second))","last_seen":"\#(Self.time(second))"}"#
        }
        json += #","event":{"message":"\#(message)","host":"\#(host)"}}"#
        return json
    }
}

/// Runs blocking work (sockets, the store's output) on a thread of its own, never on a Swift
/// concurrency thread the server needs to answer.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A store in a temporary directory and a console server on it, on 127.0.0.1 and a free port.
final class ServerFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let store: AlertStore
    let registry = PrometheusCollectorRegistry()
    let server: ConsoleServer
    let address: ConsoleServer.BoundAddress
    var port: Int { address.port }

    /// - Parameter tokens: the token file's text, or nil for none.
    init(
        tokens: String? = nil, tls: (cert: String, key: String)? = nil, isReady: @escaping @Sendable () -> Bool = { true },
        configure: (inout ConsoleServer.Configuration) -> Void = { _ in }
    ) async throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        store = try AlertStore(directory: directory.file("state"), logger: Logger(label: "test.store"))
        var configuration = ConsoleServer.Configuration(host: "127.0.0.1", port: 0)
        if let tokens {
            try tokens.write(toFile: directory.file("tokens"), atomically: true, encoding: .utf8)
            configuration.tokenFile = directory.file("tokens")
        }
        configuration.tlsCertificate = tls?.cert
        configuration.tlsKey = tls?.key
        configure(&configuration)
        var logger = Logger(label: "test.server")
        logger.logLevel = .warning
        server = try ConsoleServer(configuration: configuration, store: store, registry: registry, isReady: isReady, logger: logger)
        address = try await server.start()
    }

    /// Writes `alerts` through the store's output, as the pipeline does, and waits until they are stored.
    func write(_ alerts: [TestAlert]) async throws {
        var lines = AlertLines()
        for alert in alerts { lines.append(tier: alert.tier) { $0.append(contentsOf: alert.json.utf8) } }
        let store = store
        let stateDirectory = directory.file("state")
        let sending = UnsafeSendable(lines)
        try await onThread {
            let output = store.output(options: QueuedOutput.Options(stateDirectory: stateDirectory))
            output.accept(sending.value)
            output.finish(timeout: .seconds(30))
        }
    }

    func stop() async {
        await server.shutdown()
        store.close()
        directory.remove()
    }

    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil, bearer: String? = nil
    ) async throws -> HTTPResult {
        var headers = headers
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        if body != nil && headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        let port = port
        let finalHeaders = headers
        return try await onThread { try rawRequest(method, path, port: port, headers: finalHeaders, body: body) }
    }
}

final class ReadyFlag: Sendable {
    private let flag = Mutex(false)
    var value: Bool {
        get { flag.withLock { $0 } }
        set { flag.withLock { $0 = newValue } }
    }
}

struct UnsafeSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

// MARK: A minimal HTTP/1.1 client over a blocking socket

struct HTTPResult: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

func connectSocket(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
    if var size = receiveBuffer {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var target = Sockets.address(port: port)
    let status = withUnsafePointer(to: &target) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard status == 0 else {
        close(fd)
        throw TestFailure("connect to \(port): \(errno)")
    }
    return fd
}

func requestText(_ method: String, _ path: String, port: Int, headers: [String: String], body: String?, close: Bool) -> String {
    var text = "\(method) \(path) HTTP/1.1\r\n"
    if headers["Host"] == nil { text += "Host: 127.0.0.1:\(port)\r\n" }
    if close { text += "Connection: close\r\n" }
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
    if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
    return text + "\r\n" + (body ?? "")
}

/// One request on a fresh connection; reads the answer to the end.
func rawRequest(_ method: String, _ path: String, port: Int, headers: [String: String] = [:], body: String? = nil) throws -> HTTPResult {
    let fd = try connectSocket(port: port)
    defer { close(fd) }
    Sockets.send(fd, Array(requestText(method, path, port: port, headers: headers, body: body, close: true).utf8))
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n > 0 {
            data += chunk[0..<n]
        } else if n == 0 {
            break
        } else {
            throw TestFailure("reading the answer to \(method) \(path): errno \(errno)")
        }
    }
    return try parseResponse(data)
}

func parseResponse(_ data: [UInt8]) throws -> HTTPResult {
    guard let end = data.firstRange(of: Array("\r\n\r\n".utf8)) else { throw TestFailure("no header end in \(data.count) bytes") }
    let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = head[0].split(separator: " ")
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line \(head[0])") }
    var headers: [(String, String)] = []
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
    }
    var body = Array(data[end.upperBound...])
    if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
        var decoder = ChunkedDecoder()
        body = decoder.feed(body)
    }
    return HTTPResult(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
}

/// Decodes `Transfer-Encoding: chunked` incrementally.
struct ChunkedDecoder {
    private var pending: [UInt8] = []
    private(set) var finished = false

    mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
        pending += bytes
        var out: [UInt8] = []
        while !finished, let lineEnd = pending.firstRange(of: Array("\r\n".utf8)) {
            let sizeText = String(decoding: pending[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { break }
            if size == 0 {
                finished = true
                pending.removeAll()
                break
            }
            guard pending.count >= lineEnd.upperBound + size + 2 else { break }
            out += pending[lineEnd.upperBound..<lineEnd.upperBound + size]
            pending.removeFirst(lineEnd.upperBound + size + 2)
        }
        return out
    }
}

// MARK: Server-Sent Events

struct SSEEvent: Sendable, Equatable {
    var event: String?
    var id: String?
    var data: String?
    var comment: String?
}

/// A live stream read event by event on a blocking socket.
final class SSEConnection: @unchecked Sendable {
    let fd: Int32
    private var decoder = ChunkedDecoder()
    private var text = ""
    private(set) var status = 0
    private(set) var headers: [(String, String)] = []
    private(set) var closed = false

    /// Connects and sends the request; reading (the head too) waits for ``readHead()``, so that a test can
    /// leave the socket unread.
    init(port: Int, path: String = "/alerts/stream", headers: [String: String] = [:], receiveBuffer: Int32? = nil) throws {
        fd = try connectSocket(port: port, receiveBuffer: receiveBuffer)
        Sockets.send(fd, Array(requestText("GET", path, port: port, headers: headers, body: nil, close: false).utf8))
    }

    deinit { close(fd) }

    private var raw: [UInt8] = []

    private func receive() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n == 0 {
            closed = true
            return false
        }
        guard n > 0 else { throw TestFailure("stream read: errno \(errno)") }
        raw += chunk[0..<n]
        return true
    }

    func readHead() throws {
        while raw.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            guard try receive() else { throw TestFailure("stream closed before its head") }
        }
        let end = raw.firstRange(of: Array("\r\n\r\n".utf8))!
        let result = try parseResponse(Array(raw[..<end.upperBound]))
        status = result.status
        headers = result.headers
        let rest = Array(raw[end.upperBound...])
        raw = []
        text += String(decoding: decoder.feed(rest), as: UTF8.self)
    }

    /// The next event or comment block; nil when the stream ended.
    func next() throws -> SSEEvent? {
        while true {
            if let range = text.range(of: "\n\n") {
                let block = String(text[..<range.lowerBound])
                text.removeSubrange(..<range.upperBound)
                var event = SSEEvent()
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") {
                        event.comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                    } else if let colon = line.firstIndex(of: ":") {
                        let value = line[line.index(after: colon)...].drop { $0 == " " }
                        switch line[..<colon] {
                        case "event": event.event = String(value)
                        case "id": event.id = String(value)
                        case "data": event.data = (event.data.map { $0 + "\n" } ?? "") + value
                        default: break
                        }
                    }
                }
                return event
            }
            if decoder.finished { return nil }
            guard try receive() else { return nil }
            text += String(decoding: decoder.feed(raw), as: UTF8.self)
            raw = []
        }
    }

    /// Reads until the server closes the connection.
    func waitUntilClosed() throws {
        while try receive() { raw = [] }
    }

    /// Events up to (and with) the first that `stop` accepts, comments and `retry:` blocks left out.
    func events(until stop: (SSEEvent) -> Bool) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        while let event = try next() {
            if event.event == nil && event.data == nil { continue }
            events.append(event)
            if stop(event) { break }
        }
        return events
    }
}

extension SSEEvent {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data((data ?? "").utf8))) as? [String: Any] ?? [:]
    }
}

/// A store for tests that only build servers.
struct AlertStoreForTests {
    let store: AlertStore

    init(directory: TemporaryDirectory) throws {
        store = try AlertStore(directory: directory.file("state"), logger: Logger(label: "test"))
    }

    func server(cert: String, key: String) throws -> ConsoleServer {
        try ConsoleServer(
            configuration: .init(host: "127.0.0.1", port: 0, tlsCertificate: cert, tlsKey: key), store: store,
            registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
    }

    func close() { store.close() }
}
