import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import VigilAlert

/// Posts alerts to an HTTP(S) endpoint as JSON arrays, through AsyncHTTPClient.
///
/// Each request is a `POST` of `[alert, alert, …]` (`Content-Type: application/json`), at most
/// ``batchLimit`` alerts and bytes (500 alerts, 1 MiB by default). A 2xx answer delivers the whole
/// batch; any other status, a connection error or a time-out (``requestTimeout``) delivers none of it,
/// and the output sends the same alerts again after a back-off: order is kept and a batch the receiver
/// acknowledged is never sent again. (A receiver that took a batch but whose answer was lost gets it
/// twice: delivery is at least once.) A 413 (payload too large) halves the batch size for the requests
/// that follow, down to one alert. Redirects are not followed: an endpoint that moved is an error to fix.
///
/// The blocking `wait()` on the request's future runs on the output's own thread, never on an event loop.
public final class WebhookTransport: AlertTransport {
    /// How requests are made.
    public struct Options: Sendable {
        /// Extra request headers (`Authorization: Bearer …`).
        public var headers: [(String, String)]
        /// The longest a request may take, answer included.
        public var requestTimeout: Duration
        /// The longest making a connection may take. AsyncHTTPClient reports a refused connection only
        /// then (it keeps trying until this time-out), so it is also how soon a receiver that is down
        /// shows in ``AlertOutputHealth/isReceiverFailing``.
        public var connectTimeout: Duration
        /// The most alerts and bytes posted in one request.
        public var batchLimit: AlertBatchLimit
        /// The group the client runs on; nil: NIO's shared singleton group, so an output adds no threads
        /// of its own. The client is shut down at ``WebhookTransport/close()``, the group is not.
        public var eventLoopGroup: (any EventLoopGroup)?

        public init(
            headers: [(String, String)] = [], requestTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(3),
            batchLimit: AlertBatchLimit = AlertBatchLimit(alerts: 500, bytes: 1 << 20), eventLoopGroup: (any EventLoopGroup)? = nil
        ) {
            self.headers = headers
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.batchLimit = batchLimit
            self.eventLoopGroup = eventLoopGroup
        }
    }

    public let url: String
    public let requestTimeout: Duration
    public private(set) var batchLimit: AlertBatchLimit

    private let client: HTTPClient
    private let headers: HTTPHeaders

    /// - Parameter url: An `http://` or `https://` URL (check it with ``validate(_:)`` first).
    public init(url: String, options: Options = Options()) {
        self.url = url
        requestTimeout = options.requestTimeout
        batchLimit = options.batchLimit
        var all = HTTPHeaders()
        all.add(name: "Content-Type", value: "application/json")
        all.add(name: "User-Agent", value: "vigil")
        for (name, value) in options.headers { all.replaceOrAdd(name: name, value: value) }
        headers = all
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: Self.timeAmount(options.connectTimeout), read: Self.timeAmount(options.requestTimeout)))
        client = HTTPClient(eventLoopGroup: options.eventLoopGroup ?? HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Checks a webhook URL: nil when it is usable, else a message for the command line.
    public static func validate(_ url: String) -> String? {
        let expected = "expected http://HOST[:PORT]/PATH or https://…"
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            return "webhook URL '\(url)' cannot be parsed; \(expected)"
        }
        guard scheme == "http" || scheme == "https" else { return "webhook URL '\(url)': scheme must be http or https; \(expected)" }
        guard let host = parsed.host, !host.isEmpty else { return "webhook URL '\(url)' has no host; \(expected)" }
        if let port = parsed.port, !(1...65535).contains(port) { return "webhook URL '\(url)': port must be from 1 to 65535" }
        if parsed.fragment != nil { return "webhook URL '\(url)': a fragment (#…) is never sent; remove it" }
        return nil
    }

    public func send(_ alerts: AlertLines, deadline: ContinuousClock.Instant) -> AlertTransportOutcome {
        var body: [UInt8] = []
        body.reserveCapacity(alerts.bytes.count + 2)
        body.append(UInt8(ascii: "["))
        for index in 0..<alerts.count {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            let range = alerts.range(of: index)
            body.append(contentsOf: alerts.bytes[range.lowerBound..<(range.upperBound - 1)])
        }
        body.append(UInt8(ascii: "]"))

        let timeout = min(requestTimeout, max(.milliseconds(1), deadline - .now))
        let outcome: Result<(HTTPResponseStatus, String), any Error>
        do {
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
            let delegate = StatusDelegate()
            let status = try client.execute(request: request, delegate: delegate, deadline: .now() + Self.timeAmount(timeout)).wait()
            outcome = .success(status)
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success((let status, _)) where (200..<300).contains(status.code):
            return .delivered(alerts.count)
        case .success((let status, let answer)):
            if status == .payloadTooLarge, batchLimit.alerts > 1 {
                batchLimit = AlertBatchLimit(alerts: min(batchLimit.alerts, alerts.count) / 2, bytes: batchLimit.bytes / 2)
            }
            let excerpt = answer.isEmpty ? "" : ": \(answer)"
            return AlertTransportOutcome(
                done: 0, problem: .receiverDown("\(Self.redacted(url)): HTTP \(status.code) \(status.reasonPhrase)\(excerpt)"))
        case .failure(let error):
            return AlertTransportOutcome(done: 0, problem: .receiverDown("\(Self.redacted(url)): \(Self.describe(error))"))
        }
    }

    public func close() {
        try? client.syncShutdown()
    }

    /// The URL without user, password and query, for logs and output names (they often hold secrets).
    public static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        var text = "\(scheme)://" + (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)
        if let port = components.port { text += ":\(port)" }
        text += components.percentEncodedPath
        if components.percentEncodedQuery != nil { text += "?…" }
        return text
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "no answer within the time limit" }
            if error == .connectTimeout { return "connection timed out" }
        }
        if let error = error as? IOError { return error.description }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return "cannot connect: \(first.error)"
        }
        return String(describing: error)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Keeps a response's status and the start of its body (for the log), discarding the rest.
private final class StatusDelegate: HTTPClientResponseDelegate {
    typealias Response = (HTTPResponseStatus, String)

    private let state = Mutex<(status: HTTPResponseStatus?, body: [UInt8])>((nil, []))

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.status = head.status }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        state.withLock { state in
            let room = 200 - state.body.count
            if room > 0 { state.body.append(contentsOf: buffer.readableBytesView.prefix(room)) }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        let (status, body) = state.withLock { ($0.status, $0.body) }
        guard let status else { throw HTTPClientError.remoteConnectionClosed }
        let text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        return (status, text)
    }
}
