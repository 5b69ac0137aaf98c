import VigilEvent

/// Cuts a TCP byte stream into syslog messages (RFC 6587): octet counting (`LEN SP MSG`) or
/// non-transparent framing (messages ended by LF), detected from the first byte of the connection.
///
/// Incremental: feed it whatever `read` returned; it keeps partial frames between calls. Not `Sendable`:
/// one framer per connection.
public struct SyslogFramer {
    public enum Framing: Sendable, Hashable {
        case octetCounting
        case nonTransparent
    }

    /// A complete message. `bytes` is valid only during the `emit` call.
    public struct Message {
        public var bytes: UnsafeRawBufferPointer
        /// Set when the frame was cut short (oversize: truncated to the maximum size) or malformed.
        public var failure: ParseFailure?
    }

    /// What the connection should do after a `feed`.
    public enum Verdict: Sendable, Hashable {
        case `continue`
        /// The peer sent something that is no syslog framing: count it and close the connection.
        case disconnect(reason: String)
    }

    public let maxMessageSize: Int
    public private(set) var framing: Framing?
    private var pending: [UInt8] = []

    public init(maxMessageSize: Int = 64 * 1024) {
        self.maxMessageSize = maxMessageSize
    }

    /// Placeholder (LF framing only) until the RFC 6587 framer lands.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Message) -> Void) -> Verdict {
        framing = framing ?? .nonTransparent
        pending.append(contentsOf: bytes)
        var start = 0
        pending.withUnsafeBytes { buffer in
            for i in 0..<buffer.count where buffer[i] == 0x0A {
                emit(Message(bytes: UnsafeRawBufferPointer(rebasing: buffer[start..<i]), failure: nil))
                start = i + 1
            }
        }
        pending.removeFirst(start)
        return .continue
    }

    /// At end of stream: emits a final unterminated message, if any.
    public mutating func finish(emit: (Message) -> Void) {
        if !pending.isEmpty {
            pending.withUnsafeBytes { emit(Message(bytes: $0, failure: nil)) }
            pending.removeAll()
        }
    }
}
