import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import VigilStore

/// Which alerts a stream sends: `tier`, `min_level`, `rule` (id, name or title), `kind`, `state`.
struct StreamFilter: Sendable {
    var tiers: Set<Int> = []
    var minimumLevel: String?
    var rule: String?
    var kind: String?
    var states: Set<String> = []

    init(_ parameters: QueryParameters) throws(APIError) {
        tiers = try parameters.tiers()
        minimumLevel = try parameters.minimumLevel()
        rule = try parameters.text("rule")
        kind = try parameters.text("kind")
        states = try parameters.states()
    }

    func matches(_ alert: StoredAlert) -> Bool {
        if !tiers.isEmpty && !tiers.contains(alert.tier) { return false }
        if let minimumLevel, levelRank(alert.level) < levelRank(minimumLevel) { return false }
        if let kind, alert.kind != kind { return false }
        if !states.isEmpty && !states.contains(alert.state) { return false }
        if let rule, alert.ruleID != rule, alert.ruleTitle != rule, Self.ruleName(alert.json) != rule { return false }
        return true
    }

    /// The alert's `rule.name`, read only when the id and title did not match.
    private static func ruleName(_ json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let rule = object["rule"] as? [String: Any]
        else { return nil }
        return rule["name"] as? String
    }
}

extension ConsoleServer {
    /// Alerts read from the store per query when a stream resumes.
    static let backlogPageSize = 500

    /// `GET /alerts/stream`: Server-Sent Events.
    func stream(_ request: Request, context: ConsoleRequestContext) throws(APIError) -> Response {
        let parameters = QueryParameters(request.uri)
        let filter = try StreamFilter(parameters)
        var lastEventID = request.headers[lastEventIDHeader].flatMap { $0.isEmpty ? nil : $0 }
        if lastEventID == nil { lastEventID = try parameters.text("last_event_id") }
        var resumeAfter: (sequence: Int64, id: String)?
        if let lastEventID {
            guard lastEventID.utf8.count == 32, lastEventID.utf8.allSatisfy(isHexDigit) else {
                throw .badRequest("Last-Event-ID must be an alert id (32 hex digits)")
            }
            if let sequence = try storeCall({ () throws(StoreError) in try store.sequence(ofAlert: lastEventID) }) {
                resumeAfter = (sequence, lastEventID)
            }
        }
        let unknownResumePoint = lastEventID != nil && resumeAfter == nil
        let resumePoint = resumeAfter
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { [self] writer in
            try await self.runStream(
                writer: &writer, filter: filter, resumeAfter: resumePoint, unknownResumePoint: unknownResumePoint, logger: context.logger)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func runStream(
        writer: inout any ResponseBodyWriter, filter: StreamFilter, resumeAfter: (sequence: Int64, id: String)?,
        unknownResumePoint: Bool, logger: Logger
    ) async throws {
        let mailbox = StreamMailbox()
        guard streams.register(mailbox) else {
            try await writer.write(ByteBuffer(string: SSE.shutdown))
            try await writer.finish(nil)
            return
        }
        metrics.streamSubscribers.increment()
        // Subscribe before reading the store, so that nothing committed in between is missed; what
        // both give is skipped by sequence.
        let subscription = store.feed.subscribe(bufferLimit: configuration.streamBufferLimit)
        let relay = Task {
            for await item in subscription {
                guard await mailbox.put(item) else { break }
            }
            mailbox.feedEnded()
        }
        let interval = configuration.heartbeatInterval
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                mailbox.signalHeartbeat()
            }
        }
        defer {
            mailbox.close()
            relay.cancel()
            heartbeat.cancel()
            streams.unregister(mailbox)
            metrics.streamSubscribers.decrement()
        }

        // The last alert taken care of (sent, or left out by the filter): where a client resumes.
        var handled: (sequence: Int64, id: String?) = (resumeAfter?.sequence ?? 0, resumeAfter?.id)
        var opening = "retry: 3000\n\n"
        if unknownResumePoint { opening += ": unknown Last-Event-ID: live from now\n\n" }
        try await writer.write(ByteBuffer(string: opening))

        if let resumeAfter {
            var after = resumeAfter.sequence
            while true {
                let page = try storeCall { () throws(StoreError) in try store.alerts(after: after, limit: Self.backlogPageSize) }
                var buffer = ByteBuffer()
                for alert in page {
                    handled = (alert.sequence, alert.id)
                    if filter.matches(alert) { buffer.writeString(SSE.alert(alert)) }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
                guard let last = page.last, page.count == Self.backlogPageSize else { break }
                after = last.sequence
            }
        }

        while true {
            switch await mailbox.next() {
            case .item(.alert(let alert)):
                guard alert.sequence > handled.sequence else { continue }
                handled = (alert.sequence, alert.id)
                if filter.matches(alert) { try await writer.write(ByteBuffer(string: SSE.alert(alert))) }
            case .item(.triage(let entry)):
                let episode = try? store.episode(id: entry.episodeID)
                try await writer.write(ByteBuffer(string: SSE.triage(entry, episode: episode)))
            case .item(.dropped(let count, let lastDelivered)):
                metrics.droppedStreamAlerts.increment(by: count)
                var resumeID = handled.id
                if handled.id == nil || lastDelivered > handled.sequence, lastDelivered > 0,
                    let alert = try? store.alerts(after: lastDelivered - 1, limit: 1).first, alert.sequence == lastDelivered
                {
                    resumeID = alert.id
                }
                logger.info("stream client fell behind: \(count) alerts not sent; the stream ends so that it resumes from the store")
                try await writer.write(ByteBuffer(string: SSE.dropped(count: count, lastEventID: resumeID)))
                try await writer.finish(nil)
                return
            case .heartbeat:
                try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
            case .shutdown, .ended:
                try await writer.write(ByteBuffer(string: SSE.shutdown))
                try await writer.finish(nil)
                return
            }
        }
    }
}

private let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!

func isHexDigit(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
}

/// Server-Sent Events as the stream writes them; every field is one line.
enum SSE {
    static let shutdown = "event: shutdown\ndata: {}\n\n"

    static func alert(_ alert: StoredAlert) -> String {
        "event: alert\nid: \(oneLine(alert.id))\ndata: \(oneLine(alert.apiJSON))\n\n"
    }

    static func triage(_ entry: TriageEntry, episode: EpisodeSummary?) -> String {
        var object = JSONObject()
        object.add("entry", raw: entry.apiJSON)
        object.add("episode", raw: episode?.apiJSON ?? "null")
        return "event: triage\ndata: \(object.text)\n\n"
    }

    /// With `id:` too, so that a browser's EventSource reconnects from there by itself.
    static func dropped(count: Int, lastEventID: String?) -> String {
        var object = JSONObject()
        object.add("count", count)
        object.add("last_event_id", lastEventID)
        let id = lastEventID.map { "id: \(oneLine($0))\n" } ?? ""
        return "event: dropped\n\(id)data: \(object.text)\n\n"
    }

    /// JSON has no line break outside strings that matters, and none inside; a stray one would end the field.
    static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
