import HTTPTypes
import Hummingbird
import HummingbirdCore

/// An answer other than success, as the API gives it: `{"error":"message"}` with the status.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func unauthorized(_ message: String = "sign in: a bearer token or a session is needed") -> APIError {
        APIError(status: .unauthorized, message: message)
    }
    static func forbidden(_ message: String) -> APIError { APIError(status: .forbidden, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    static func conflict(_ message: String) -> APIError { APIError(status: .conflict, message: message) }
    static func tooLarge(_ message: String) -> APIError { APIError(status: .contentTooLarge, message: message) }
    static func unavailable(_ message: String) -> APIError { APIError(status: .serviceUnavailable, message: message) }
    static func internalError(_ message: String) -> APIError { APIError(status: .internalServerError, message: message) }
}
