import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import VigilEvent
import VigilStore

extension ConsoleServer {
    func makeRouter() -> Router<ConsoleRequestContext> {
        let router = Router(context: ConsoleRequestContext.self)
        router.add(middleware: ConsoleMiddleware(metrics: metrics))
        router.add(middleware: AuthMiddleware(tokens: tokens, sessions: sessions))

        router.get("/alerts") { request, _ in try self.listAlerts(request) }
        router.get("/alerts/stream") { request, context in try self.stream(request, context: context) }
        router.get("/alerts/:id") { _, context in try self.alertDetail(context) }
        router.get("/alerts/:id/history") { _, context in try self.history(context) }
        router.post("/alerts/:id/ack") { request, context in try await self.act(.acknowledge, request, context) }
        router.post("/alerts/:id/escalate") { request, context in try await self.act(.escalate, request, context) }
        router.post("/alerts/:id/close") { request, context in try await self.act(.close, request, context) }
        router.get("/episodes") { request, _ in try self.listEpisodes(request) }
        router.get("/episodes/counts") { _, _ in try self.episodeCounts() }
        router.get("/exceptions") { request, _ in try self.listExceptions(request) }

        router.post("/session") { request, context in try await self.signIn(request, context) }
        router.get("/session") { _, context in try self.currentSession(context) }
        router.delete("/session") { _, context in self.signOut(context) }

        router.get("/metrics") { _, _ in self.metricsText() }
        router.get("/healthz") { _, _ in jsonResponse(#"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            self.isReady() ? jsonResponse(#"{"status":"ready"}"#) : ConsoleMiddleware.errorResponse(.unavailable("not ready"))
        }
        router.get("/") { _, _ in Self.asset(PackageResources.index_html, type: "text/html; charset=utf-8") }
        router.get("/console.js") { _, _ in Self.asset(PackageResources.console_js, type: "text/javascript; charset=utf-8") }
        router.get("/console.css") { _, _ in Self.asset(PackageResources.console_css, type: "text/css; charset=utf-8") }
        return router
    }

    // MARK: Listings

    func listAlerts(_ request: Request) throws(APIError) -> Response {
        let query = try QueryParameters(request.uri).alertQuery(now: nowNanoseconds())
        let page = try storeCall { () throws(StoreError) in try store.alerts(query) }
        var object = JSONObject()
        object.add("alerts", array: page.items.map { $0.apiJSON })
        object.add("next", page.next)
        return jsonResponse(object.text)
    }

    func listEpisodes(_ request: Request) throws(APIError) -> Response {
        let query = try QueryParameters(request.uri).alertQuery(now: nowNanoseconds())
        let page = try storeCall { () throws(StoreError) in try store.episodes(query) }
        var object = JSONObject()
        object.add("episodes", array: page.items.map { $0.apiJSON })
        object.add("next", page.next)
        return jsonResponse(object.text)
    }

    func episodeCounts() throws(APIError) -> Response {
        let counts = try storeCall { () throws(StoreError) in try store.episodeCounts() }
        var tiers = JSONObject()
        for tier in 1...3 {
            var states = JSONObject()
            for state in TriageState.allCases { states.add(state.rawValue, counts[tier]?[state] ?? 0) }
            tiers.add(String(tier), raw: states.text)
        }
        var object = JSONObject()
        object.add("tiers", raw: tiers.text)
        return jsonResponse(object.text)
    }

    func listExceptions(_ request: Request) throws(APIError) -> Response {
        let all = ["1", "true", "yes"].contains(QueryParameters(request.uri).values["all"] ?? "")
        let exceptions = try storeCall { () throws(StoreError) in try store.exceptions(includingExpired: all) }
        let now = nowNanoseconds()
        var object = JSONObject()
        object.add("exceptions", array: exceptions.map { $0.apiJSON(now: now) })
        return jsonResponse(object.text)
    }

    // MARK: One alert and its episode

    /// The alert named in the URL and its episode (404 when either is unknown).
    func alertAndEpisode(_ context: ConsoleRequestContext) throws(APIError) -> (StoredAlert, EpisodeSummary) {
        let id = context.parameters.get("id") ?? ""
        guard id.utf8.count <= 64, let alert = try storeCall({ () throws(StoreError) in try store.alert(id: id) }) else {
            throw .notFound("no alert \(id.prefix(64))")
        }
        guard let episode = try storeCall({ () throws(StoreError) in try store.episode(id: alert.episodeID) }) else {
            throw .notFound("no episode \(alert.episodeID) for alert \(id)")
        }
        return (alert, episode)
    }

    func alertDetail(_ context: ConsoleRequestContext) throws(APIError) -> Response {
        let (alert, episode) = try alertAndEpisode(context)
        let alerts = try storeCall { () throws(StoreError) in try store.alerts(ofEpisode: episode.episodeID) }
        var object = JSONObject()
        object.add("alert", raw: alert.apiJSON)
        object.add("episode", raw: episode.apiJSON)
        object.add("alerts", array: alerts.map { $0.apiJSON })
        return jsonResponse(object.text)
    }

    func history(_ context: ConsoleRequestContext) throws(APIError) -> Response {
        let (_, episode) = try alertAndEpisode(context)
        let entries = try storeCall { () throws(StoreError) in try store.history(episode: episode.episodeID) }
        var object = JSONObject()
        object.add("history", array: entries.map { $0.apiJSON })
        return jsonResponse(object.text)
    }

    // MARK: Triage

    enum ActionKind {
        case acknowledge, escalate, close
    }

    private struct ActionBody: Decodable {
        var note: String?
        var tier: Int?
        var resolution: String?
        var exception: ExceptionBody?

        struct ExceptionBody: Decodable {
            var expires: String?
        }
    }

    func act(_ kind: ActionKind, _ request: Request, _ context: ConsoleRequestContext) async throws(APIError) -> Response {
        guard let identity = context.identity else { throw .unauthorized() }
        guard identity.role != .viewer else { throw .forbidden("\(identity.name) is a viewer: viewers read, they do not act") }
        let body = try await decodeBody(ActionBody.self, request) ?? ActionBody()
        let (_, episode) = try alertAndEpisode(context)
        guard identity.role.mayAct(onTier: episode.tier) else {
            throw .forbidden(
                "\(identity.name) acts on episodes of tier \(identity.role.tiers.map(String.init).joined(separator: ", ")); episode \(episode.episodeID) is tier \(episode.tier)"
            )
        }
        if let note = body.note, note.utf8.count > Self.maximumNoteBytes {
            throw .badRequest("note is \(note.utf8.count) bytes; at most \(Self.maximumNoteBytes)")
        }
        let action: TriageAction
        switch kind {
        case .acknowledge:
            action = .acknowledge(note: body.note)
        case .escalate:
            guard let tier = body.tier else { throw .badRequest("escalate needs \"tier\" (2 or 3)") }
            guard (1...3).contains(tier) else { throw .badRequest("tier must be 1 to 3, not \(tier)") }
            action = .escalate(toTier: tier, note: body.note)
        case .close:
            guard let text = body.resolution else {
                throw .badRequest("close needs \"resolution\": true_positive, false_positive or benign")
            }
            guard let resolution = Resolution(rawValue: text) else {
                throw .badRequest("resolution must be true_positive, false_positive or benign, not '\(text.prefix(64))'")
            }
            var until: Int64?
            if let exception = body.exception {
                guard resolution == .falsePositive else { throw .badRequest("an exception goes only with resolution false_positive") }
                guard let expires = exception.expires else {
                    throw .badRequest("exception needs \"expires\": a span (7d, 12h) or an RFC 3339 time")
                }
                let now = nowNanoseconds()
                if let span = parseSpan(expires) {
                    let (time, overflow) = now.addingReportingOverflow(span)
                    guard !overflow else { throw .badRequest("exception expires too far ahead") }
                    until = time
                } else if let time = Timestamp(rfc3339: expires)?.nanoseconds {
                    guard time > now else { throw .badRequest("exception expires in the past") }
                    until = time
                } else {
                    throw .badRequest("exception expires must be a span (7d, 12h) or an RFC 3339 time, not '\(expires.prefix(64))'")
                }
            }
            action = .close(resolution: resolution, note: body.note, exceptionUntil: until)
        }
        let entry: TriageEntry
        do {
            entry = try store.act(action, episode: episode.episodeID, actor: identity.name)
        } catch {
            switch error {
            case .unknownEpisode: throw .notFound(error.description)
            case .invalid(let message): throw .conflict(message)
            case .storage: throw .internalError(error.description)
            }
        }
        let updated = ((try? store.episode(id: episode.episodeID)) ?? nil) ?? episode
        var object = JSONObject()
        object.add("entry", raw: entry.apiJSON)
        object.add("episode", raw: updated.apiJSON)
        return jsonResponse(object.text)
    }

    // MARK: Sessions

    private struct SignInBody: Decodable {
        var token: String?
    }

    func signIn(_ request: Request, _ context: ConsoleRequestContext) async throws(APIError) -> Response {
        guard let tokens else { return Response(status: .noContent) }
        let body = try await decodeBody(SignInBody.self, request)
        guard let token = body?.token, !token.isEmpty else { throw .badRequest("sign in with {\"token\":\"...\"}") }
        guard let identity = tokens.identity(forToken: Array(token.utf8)) else { throw .unauthorized("the token is not valid") }
        let session = sessions.create(for: identity)
        let maxAge = Int(sessions.lifetime.components.seconds)
        var cookie = "\(AuthMiddleware.cookieName)=\(session); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(maxAge)"
        if tlsConfiguration != nil { cookie += "; Secure" }
        return Response(status: .noContent, headers: [.setCookie: cookie])
    }

    func currentSession(_ context: ConsoleRequestContext) throws(APIError) -> Response {
        guard let identity = context.identity else { throw .unauthorized("not signed in") }
        var object = JSONObject()
        object.add("name", identity.name)
        object.add("role", identity.role.name)
        object.add("tiers", array: identity.role.tiers.map(String.init))
        return jsonResponse(object.text)
    }

    func signOut(_ context: ConsoleRequestContext) -> Response {
        if let session = context.sessionID { sessions.remove(session) }
        var cookie = "\(AuthMiddleware.cookieName)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        if tlsConfiguration != nil { cookie += "; Secure" }
        return Response(status: .noContent, headers: [.setCookie: cookie])
    }

    // MARK: Operations and the console

    func metricsText() -> Response {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Helpers

    /// A store call, its failure as a 500 (or 503 when the store is not open).
    func storeCall<T>(_ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .unavailable: throw .unavailable(error.description)
            case .failed: throw .internalError(error.description)
            case .invalidQuery(let message): throw .badRequest(message)
            }
        }
    }

    /// The request's JSON body as `T` (nil when empty); 413 over the limit, 400 when malformed.
    func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request) async throws(APIError) -> T? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: Self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw .tooLarge("request body over \(Self.maximumBodySize) bytes")
        } catch {
            throw .badRequest("cannot read the request body")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw .badRequest("malformed JSON body: \(Self.describe(error))")
        } catch {
            throw .badRequest("malformed JSON body")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "" : "\(path): "
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context))expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context))expected \(type), found null"
        case .keyNotFound(let key, let context): return "\(path(context))missing \(key.stringValue)"
        case .dataCorrupted(let context): return "\(path(context))not valid JSON"
        @unknown default: return "not valid JSON"
        }
    }
}
