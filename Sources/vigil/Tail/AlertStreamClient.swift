import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads a vigil server's `/alerts/stream` and prints each alert, reconnecting after a broken
/// connection with the id of the last alert printed (`Last-Event-ID`), so nothing is lost or repeated.
final class AlertStreamClient: Sendable {
    let base: URL
    let token: String?
    let selection: AlertSelection.Sendable
    let since: String?
    let printer: AlertPrinter
    /// A connection that brings nothing, not even a heartbeat (every 15 s), for this long is dead.
    let idleLimit: Duration = .seconds(45)

    init(base: URL, token: String?, selection: AlertSelection, since: String?, printer: AlertPrinter) {
        self.base = base
        self.token = token
        self.selection = AlertSelection.Sendable(selection)
        self.since = since
        self.printer = printer
    }

    /// Runs until the server refuses the credentials (status 1) or the process is stopped.
    func runBlocking() -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let status = Mutex<Int32>(0)
        Task {
            let result = await run()
            status.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return status.withLock { $0 }
    }

    private enum StreamEnd: Error {
        case idle
        case refused(String)
    }

    func run() async -> Int32 {
        let client = HTTPClient.shared
        var lastID: String? = nil
        if let since {
            do {
                lastID = try await printBacklog(client, since: since)
            } catch StreamEnd.refused(let message) {
                tailNote(message)
                return 1
            } catch {
                tailNote("cannot list recent alerts from \(base.absoluteString): \(error)")
            }
        }
        var failures = 0
        while true {
            do {
                try await follow(client, after: &lastID, reconnecting: failures > 0)
                tailNote("the server closed the stream; reconnecting")
                failures = 1
            } catch StreamEnd.refused(let message) {
                tailNote(message)
                return 1
            } catch {
                failures += 1
                let wait = min(5.0, 0.25 * Double(1 << min(failures, 5)))
                let resume = lastID.map { " (will resume after alert \($0))" } ?? ""
                tailNote("connection to \(base.absoluteString) lost: \(Self.describe(error)); retrying in \(wait) s\(resume)")
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    /// One connection: prints alerts until the stream ends or breaks.
    private func follow(_ client: HTTPClient, after lastID: inout String?, reconnecting: Bool) async throws {
        var request = HTTPClientRequest(url: url("alerts/stream", extra: []))
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let lastID { request.headers.add(name: "Last-Event-ID", value: lastID) }
        let response = try await client.execute(request, deadline: .distantFuture)
        try check(response.status)
        if reconnecting { tailNote("reconnected to \(base.absoluteString)" + (lastID.map { "; resuming after alert \($0)" } ?? "")) }
        let lastSeen = Locked(ContinuousClock.now)
        let latest = Locked(lastID)
        let printer = self.printer
        let idleLimit = self.idleLimit
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var parser = ServerSentEventParser()
                for try await buffer in response.body {
                    lastSeen.withLock { $0 = .now }
                    for event in parser.feed(buffer.readableBytesView) {
                        switch event.name {
                        case "alert":
                            printer.print(Data(event.data.utf8))
                            if let id = event.id { latest.withLock { $0 = id } }
                        case "dropped":
                            tailNote("this terminal fell behind and the server skipped alerts (\(event.data)); fetching them again")
                            return
                        case "shutdown":
                            tailNote("the server is shutting down")
                        default:
                            break
                        }
                    }
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(5))
                    let quiet = lastSeen.withLock { ContinuousClock.now - $0 }
                    if quiet > idleLimit { throw StreamEnd.idle }
                }
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
        lastID = latest.withLock { $0 }
    }

    /// Prints the alerts of the last `since`, oldest first; returns the newest one's id.
    private func printBacklog(_ client: HTTPClient, since: String) async throws -> String? {
        var alerts: [[String: Any]] = []
        var cursor: String? = nil
        repeat {
            var extra = [URLQueryItem(name: "from", value: "-" + since), URLQueryItem(name: "limit", value: "1000")]
            if let cursor { extra.append(URLQueryItem(name: "cursor", value: cursor)) }
            var request = HTTPClientRequest(url: url("alerts", extra: extra))
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await client.execute(request, timeout: .seconds(30))
            try check(response.status)
            let body = try await response.body.collect(upTo: 256 << 20)
            guard let page = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else { break }
            alerts += (page["alerts"] as? [[String: Any]]) ?? []
            cursor = page["next"] as? String
        } while cursor != nil && alerts.count < 100_000
        // Listings are newest first.
        for alert in alerts.reversed() {
            var shown = alert
            shown.removeValue(forKey: "seq")
            if let data = try? JSONSerialization.data(withJSONObject: shown, options: [.sortedKeys]) { printer.print(data) }
        }
        return alerts.first?["id"] as? String
    }

    private func check(_ status: HTTPResponseStatus) throws {
        switch status.code {
        case 200: return
        case 401: throw StreamEnd.refused("\(base.absoluteString): the server wants a token (--token-file or VIGIL_TOKEN)")
        case 403: throw StreamEnd.refused("\(base.absoluteString): this token may not read alerts")
        default: throw Unexpected(status: status)
        }
    }

    private struct Unexpected: Error, CustomStringConvertible {
        var status: HTTPResponseStatus
        var description: String { "HTTP \(status.code) \(status.reasonPhrase)" }
    }

    private func url(_ path: String, extra: [URLQueryItem]) -> String {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        components.path = (components.path.hasSuffix("/") ? components.path : components.path + "/") + path
        let items = selection.queryItems + extra
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? base.absoluteString
    }

    static func describe(_ error: any Error) -> String {
        if case StreamEnd.idle = error { return "nothing received for 45 s" }
        return "\(error)"
    }
}

/// A value shared by the tasks of one connection.
private final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { value.withLock { body(&$0) } }
}

extension AlertSelection {
    /// The selection's query string, as a value the client's tasks may share.
    struct Sendable: Swift.Sendable {
        var queryItems: [URLQueryItem]

        init(_ selection: AlertSelection) {
            queryItems = selection.queryItems
        }
    }
}
