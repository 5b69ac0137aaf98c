/// Why the console server cannot start: each case says what is wrong and what to change.
public enum ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration is unsafe or inconsistent (binding beyond loopback without tokens and TLS, ...).
    case configuration(String)
    /// The token file cannot be read or has a bad line (`FILE:LINE: message`).
    case tokenFile(String)
    /// The TLS certificate or key cannot be read or used (with the path).
    case tls(String)
    /// The listening socket cannot be opened (address in use, permission, unknown host).
    case bind(String)
    /// The server stopped before it was listening, or was started twice.
    case state(String)

    public var description: String {
        switch self {
        case .configuration(let message), .tokenFile(let message), .tls(let message), .bind(let message), .state(let message):
            message
        }
    }
}
