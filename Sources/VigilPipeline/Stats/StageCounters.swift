/// Why a stage let an item go without passing it on.
///
/// A string-backed name rather than an enum so that later stages add their own reasons (`late_event`,
/// `group_evicted`) without touching this target.
public struct DropReason: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    /// The pipeline was full and the source could not wait (UDP).
    public static let backpressure = DropReason("backpressure")
    /// The kernel dropped UDP datagrams because the socket's receive buffer was full.
    public static let receiveBuffer = DropReason("receive_buffer")
    /// A TCP peer was disconnected for sending something that is not syslog framing.
    public static let garbagePeer = DropReason("garbage_peer")
    /// A TCP peer was disconnected for holding more than `--max-connection-buffer` bytes, or for holding
    /// the largest incomplete message when the listeners held more than `--max-total-buffer` (connections).
    public static let bufferCap = DropReason("buffer_cap")
    /// A TCP connection was refused because `--max-connections` were open (connections).
    public static let connectionLimit = DropReason("connection_limit")
    /// Messages a TCP peer had sent but that arrived after the shutdown grace period (read and counted).
    public static let shutdown = DropReason("shutdown")
    /// An input ended early on a read error (its messages after the error are lost).
    public static let readError = DropReason("read_error")

    public var description: String { name }
    public static func < (lhs: DropReason, rhs: DropReason) -> Bool { lhs.name < rhs.name }
}

/// What one stage did: items received, items emitted, items dropped by reason.
///
/// Kept by the thread that runs the stage (one set per worker, per batch) and merged by the collector:
/// no shared atomic is touched per event.
public struct StageCounters: Sendable, Hashable {
    public let stage: String
    public var received: UInt64 = 0
    public var emitted: UInt64 = 0
    public var dropped: [DropReason: UInt64] = [:]

    public init(stage: String) {
        self.stage = stage
    }

    /// Counts `count` items dropped for `reason`.
    @inlinable
    public mutating func drop(_ reason: DropReason, count: UInt64 = 1) {
        guard count > 0 else { return }
        dropped[reason, default: 0] += count
    }

    /// All drops, whatever the reason.
    public var droppedTotal: UInt64 { dropped.values.reduce(0, +) }

    /// Adds another set of counts of the same stage.
    public mutating func merge(_ other: StageCounters) {
        received += other.received
        emitted += other.emitted
        for (reason, count) in other.dropped { dropped[reason, default: 0] += count }
    }
}
