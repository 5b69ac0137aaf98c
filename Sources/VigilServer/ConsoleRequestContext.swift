import Hummingbird

/// A request's context: who makes it, once the authentication middleware has looked.
struct ConsoleRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller; nil when not signed in (only the public routes see that).
    var identity: Identity?
    /// The session cookie the caller came with, if that is how it signed in.
    var sessionID: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    var maxUploadSize: Int { ConsoleServer.maximumBodySize }
}
