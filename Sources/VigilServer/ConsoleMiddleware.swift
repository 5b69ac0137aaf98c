import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Outermost: turns every failure into `{"error":"message"}`, puts the security headers on every
/// answer, and counts answers by route and status.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.errorResponse(error)
        } catch let error as HTTPError {
            let message: String
            switch error.status {
            case .notFound: message = "no such resource: \(request.method) \(request.uri.path)"
            case .contentTooLarge: message = "request body over \(ConsoleServer.maximumBodySize) bytes"
            default: message = error.body ?? error.status.reasonPhrase
            }
            response = Self.errorResponse(APIError(status: error.status, message: message))
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = Self.errorResponse(.internalError("internal error"))
        }
        Self.addSecurityHeaders(to: &response.headers)
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", status: response.status.code)
        return response
    }

    static func addSecurityHeaders(to headers: inout HTTPFields) {
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }

    static func errorResponse(_ error: APIError) -> Response {
        var object = JSONObject()
        object.add("error", error.message)
        return jsonResponse(object.text, status: error.status)
    }
}

/// A JSON answer.
func jsonResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text))
    )
}

/// Who is calling: a bearer token or a session cookie checked against the token file; without a token
/// file (loopback only), everyone is `local` with the `admin` role. Also refuses what a hostile web
/// page could make a browser send: requests naming another host (DNS rebinding, without tokens),
/// cross-origin writes, and writes that are not JSON (form posts).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    static let cookieName = "vigil_session"
    /// Paths anyone may fetch: the console's files, health, and signing in.
    static let publicPaths: Set<String> = ["/", "/console.js", "/console.css", "/healthz", "/readyz", "/session"]

    let tokens: TokenFile?
    let sessions: SessionStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let isWrite = request.method != .get && request.method != .head
        if isWrite {
            try Self.checkSameOrigin(request)
            if request.method == .post {
                let type = request.headers[.contentType]?.lowercased() ?? ""
                guard type.hasPrefix("application/json") else { throw APIError.badRequest("Content-Type must be application/json") }
            }
        }
        guard let tokens else {
            if let authority = request.head.authority, !ConsoleServer.isLoopback(Self.host(ofAuthority: authority)) {
                throw APIError.forbidden("this server answers only requests to a loopback host name, not \(authority.prefix(256))")
            }
            context.identity = .local
            return try await next(request, context)
        }
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", let identity = tokens.identity(forToken: Array(parts[1].utf8)) else {
                throw APIError.unauthorized("the bearer token is not valid")
            }
            context.identity = identity
        } else if let session = Self.sessionCookie(request) {
            context.identity = sessions.identity(forSession: session)
            context.sessionID = session
        }
        if context.identity == nil && !Self.publicPaths.contains(request.uri.path) {
            throw APIError.unauthorized()
        }
        return try await next(request, context)
    }

    /// The `vigil_session` cookie's value, if any (the last one when several are sent).
    static func sessionCookie(_ request: Request) -> String? {
        var found: String?
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                found = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return found
    }

    /// A write from a page of another origin is refused (browsers send `Origin` on every cross-origin write).
    static func checkSameOrigin(_ request: Request) throws(APIError) {
        guard let origin = request.headers[.origin] else { return }
        guard let authority = request.head.authority, let range = origin.range(of: "://"),
            origin[range.upperBound...].lowercased() == authority.lowercased()
        else {
            throw .forbidden("cross-origin request refused (Origin \(origin.prefix(256)))")
        }
    }

    /// `host` of `host:port`, `[::1]:port`, `host`.
    static func host(ofAuthority authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        if authority.filter({ $0 == ":" }).count == 1, let colon = authority.firstIndex(of: ":") {
            return String(authority[..<colon])
        }
        return authority
    }
}
