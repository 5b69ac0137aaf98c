import Logging
import VigilStore

/// The analyst's desk over HTTP (`--http HOST:PORT`): the alert API, the live stream, the console and
/// `/metrics`, on Hummingbird.
public final class ConsoleServer: Sendable {
    public init() {}
}
