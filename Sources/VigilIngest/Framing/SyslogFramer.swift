import VigilEvent

/// Cuts a TCP byte stream into syslog messages (RFC 6587): octet counting (`LEN SP MSG`) or
/// non-transparent framing (messages ended by LF, CR LF, or NUL as some senders use), detected from the first
/// byte of the connection: a digit `1`-`9` means octet counting, `<` or other text means non-transparent,
/// a control byte (a TLS handshake, binary noise) means the peer does not speak syslog.
///
/// Incremental: feed it whatever `read` returned; frames may be split anywhere and partial ones are kept
/// between calls. Complete frames inside one read are handed out without copying. A frame longer than
/// ``maxMessageSize`` is cut to that size and flagged `oversize_message`; the rest of it is skipped and the
/// stream goes on. A peer whose bytes are no valid framing gets ``Verdict/disconnect(reason:)``.
/// Not `Sendable`: one framer per connection.
public struct SyslogFramer {
    /// The two framings of RFC 6587.
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

    /// Where octet-counting framing stands between feeds.
    enum OctetState {
        /// Reading MSG-LEN: its value and digit count so far (0 digits: between frames).
        case length(value: Int, digits: Int)
        /// Reading a frame of `length` bytes, `remaining` of them still to come.
        case body(length: Int, remaining: Int)
    }

    /// MSG-LEN has at most this many digits; more is garbage, not a frame.
    static let maxLengthDigits = 9

    /// Frames longer than this are cut to it (64 KiB by default).
    public let maxMessageSize: Int
    /// The connection's framing, known after the first byte.
    public private(set) var framing: Framing?
    /// Bytes of a frame split across feeds (at most ``maxMessageSize``, and one more when that is a CR
    /// a line may end with), or MSG-LEN digits read so far.
    var pending: [UInt8] = []
    var octets = OctetState.length(value: 0, digits: 0)
    /// Non-transparent: the current frame was already emitted truncated; skip to its end.
    var skippingOversizeLine = false
    /// Bytes of oversize frames cut off past ``maxMessageSize`` (not emitted) since the owner last reset it.
    public internal(set) var discardedBytes = 0
    var disconnectReason: String?

    /// A framer for one connection.
    public init(maxMessageSize: Int = 64 * 1024) {
        self.maxMessageSize = max(1, maxMessageSize)
    }

    /// Frames `bytes`, calling `emit` for each complete message, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Message) -> Void) -> Verdict {
        if let disconnectReason { return .disconnect(reason: disconnectReason) }
        guard !bytes.isEmpty else { return .continue }
        if framing == nil {
            let first = bytes[0]
            if first &- UInt8(ascii: "1") < 9 {
                framing = .octetCounting
            } else if (first < 0x20 && first != 0x09 && first != 0x0A && first != 0x0D) || first == 0x7F {
                return disconnect("first byte 0x\(String(first, radix: 16)) is neither a MSG-LEN nor text")
            } else {
                framing = .nonTransparent
            }
        }
        if framing == .octetCounting {
            return feedOctetCounted(bytes, emit: emit)
        }
        feedNonTransparent(bytes, emit: emit)
        return .continue
    }

    /// At end of stream: emits what is left. An unterminated last line is a normal message (a CR it
    /// ends with removed, as in files); a partial octet-counted frame (or MSG-LEN without its frame) is
    /// flagged `truncated_frame`, unless the frame was longer than the maximum size and the maximum had
    /// arrived: it is then what an oversize frame gives, cut at the maximum, and flagged so.
    public mutating func finish(emit: (Message) -> Void) {
        defer { pending.removeAll() }
        switch framing {
        case .nonTransparent:
            guard !pending.isEmpty && !skippingOversizeLine else { return }
            if pending.last == 0x0D { pending.removeLast() }
            pending.withUnsafeBytes { emit(Message(bytes: $0, failure: nil)) }
        case .octetCounting:
            switch octets {
            case .length(_, let digits) where digits == 0: return
            case .body(let length, _) where length > maxMessageSize && pending.count == maxMessageSize:
                pending.withUnsafeBytes { emitFrame($0, length: length, emit: emit) }
            case .length, .body:
                let failure = ParseFailure(.truncatedFrame, at: pending.count)
                // MSG-LEN digits are kept whole (up to 9), so they may exceed a small maximum size.
                let kept = min(pending.count, maxMessageSize)
                pending.withUnsafeBytes { emit(Message(bytes: UnsafeRawBufferPointer(rebasing: $0[..<kept]), failure: failure)) }
            }
        case nil:
            return
        }
    }

    mutating func disconnect(_ reason: String) -> Verdict {
        disconnectReason = reason
        pending.removeAll()
        return .disconnect(reason: reason)
    }

    /// Emits a frame of `length` bytes of which `bytes` were kept, flagged if it was cut.
    func emitFrame(_ bytes: UnsafeRawBufferPointer, length: Int, emit: (Message) -> Void) {
        let failure = length > maxMessageSize ? ParseFailure(.oversizeMessage, at: maxMessageSize) : nil
        emit(Message(bytes: bytes, failure: failure))
    }
}
