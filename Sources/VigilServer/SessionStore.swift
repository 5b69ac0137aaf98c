import Synchronization

/// Signed-in browsers: `vigil_session` cookie values (256 random bits) and whose they are, in memory,
/// each valid for the session lifetime, at most `limit` at once (the oldest go first), so a client
/// signing in in a loop cannot grow memory.
final class SessionStore: Sendable {
    private struct Session {
        var identity: Identity
        var expires: ContinuousClock.Instant
    }

    private let sessions = Mutex<[String: Session]>([:])
    let lifetime: Duration
    let limit: Int

    init(lifetime: Duration, limit: Int) {
        self.lifetime = lifetime
        self.limit = max(1, limit)
    }

    /// A new session for `identity`; returns its cookie value.
    func create(for identity: Identity) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
        let id = bytes.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
        let now = ContinuousClock.now
        sessions.withLock { sessions in
            if sessions.count >= limit {
                sessions = sessions.filter { $0.value.expires > now }
            }
            while sessions.count >= limit, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                sessions.removeValue(forKey: oldest.key)
            }
            sessions[id] = Session(identity: identity, expires: now + lifetime)
        }
        return id
    }

    /// The identity of a live session.
    func identity(forSession id: String) -> Identity? {
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions.removeValue(forKey: id)
                return nil
            }
            return session.identity
        }
    }

    func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    var count: Int { sessions.withLock { $0.count } }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
