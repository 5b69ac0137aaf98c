import NIOCore
import Synchronization

/// The open TCP connections of a run, so that stopping can close them (and flush their batches) and
/// accepting can enforce `--max-connections`.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: key) }
        }
    }

    var all: [any Channel] { channels.withLock { Array($0.values) } }

    /// Connections open now (accepted and not yet closed).
    var count: Int { channels.withLock { $0.count } }
}
