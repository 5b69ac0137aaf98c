import Synchronization

/// What one input (a file, stdin, a listener and all its connections) did, counted per batch.
///
/// Readers add to these once per batch or per connection event, never per message, so the atomics
/// cost nothing measurable. The summary reads a ``Snapshot``.
public final class IngestCounters: Sendable {
    /// Human-readable name of the input (`stdin`, a path, `udp 127.0.0.1:5514`).
    public let name: String

    let messages = Atomic<UInt64>(0)
    let bytes = Atomic<UInt64>(0)
    let batches = Atomic<UInt64>(0)
    let emptyLines = Atomic<UInt64>(0)
    let truncated = Atomic<UInt64>(0)
    let discardedBytes = Atomic<UInt64>(0)
    let droppedBackpressure = Atomic<UInt64>(0)
    let droppedByKernel = Atomic<UInt64>(0)
    let garbageDisconnects = Atomic<UInt64>(0)
    let connections = Atomic<UInt64>(0)
    let readErrors = Atomic<UInt64>(0)
    let refusedConnections = Atomic<UInt64>(0)
    let idleDisconnects = Atomic<UInt64>(0)
    let bufferCapDisconnects = Atomic<UInt64>(0)
    let acceptErrors = Atomic<UInt64>(0)
    let lostAtShutdown = Atomic<UInt64>(0)
    let unreadBytesAtShutdown = Atomic<UInt64>(0)

    public init(name: String) {
        self.name = name
    }

    /// A consistent-enough copy of the counters (each read on its own; exact once the input ended).
    public struct Snapshot: Sendable, Hashable {
        public var name: String
        /// Messages handed to the pipeline.
        public var messages: UInt64
        /// Bytes read from the input, every one of them: line ends, blank lines and the bytes cut off
        /// over-long messages included (files and stdin after decompression; listeners as received,
        /// TCP framing included).
        public var bytes: UInt64
        public var batches: UInt64
        /// Blank lines skipped (files, stdin, LF-framed TCP).
        public var emptyLines: UInt64
        /// Messages cut to `--max-message-size` (kept, marked `oversize_message`).
        public var truncated: UInt64
        /// Bytes of those messages cut off past the maximum size (not kept), for every input kind.
        public var discardedBytes: UInt64
        /// Messages dropped because the pipeline was full (UDP only: other inputs wait instead).
        public var droppedBackpressure: UInt64
        /// Datagrams the kernel dropped because the socket's receive buffer was full (UDP, Linux).
        public var droppedByKernel: UInt64
        /// TCP peers disconnected for sending something that is not syslog framing.
        public var garbageDisconnects: UInt64
        /// TCP connections accepted.
        public var connections: UInt64
        /// Read failures that ended this input early.
        public var readErrors: UInt64
        /// TCP connections closed as soon as they were accepted because `--max-connections` were open.
        public var refusedConnections: UInt64 = 0
        /// TCP connections closed after `--idle-timeout` without a complete message.
        public var idleDisconnects: UInt64 = 0
        /// TCP connections disconnected for holding more than `--max-connection-buffer` bytes, or the
        /// largest holders of an incomplete message when the listeners held more than `--max-total-buffer`.
        public var bufferCapDisconnects: UInt64 = 0
        /// Failed `accept` calls for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM),
        /// each followed by a pause in accepting.
        public var acceptErrors: UInt64 = 0
        /// Messages a TCP connection delivered but that were not read before the shutdown grace period
        /// ended (read, counted and discarded), and incomplete messages cut off at shutdown.
        public var lostAtShutdown: UInt64 = 0
        /// Bytes a TCP connection's socket still held when it was closed at shutdown, unread: what a peer
        /// delivered too fast to be read even to count its messages (after the grace period and the
        /// half-second of counting that follows it).
        public var unreadBytesAtShutdown: UInt64 = 0
    }

    public func snapshot() -> Snapshot {
        Snapshot(
            name: name,
            messages: messages.load(ordering: .relaxed),
            bytes: bytes.load(ordering: .relaxed),
            batches: batches.load(ordering: .relaxed),
            emptyLines: emptyLines.load(ordering: .relaxed),
            truncated: truncated.load(ordering: .relaxed),
            discardedBytes: discardedBytes.load(ordering: .relaxed),
            droppedBackpressure: droppedBackpressure.load(ordering: .relaxed),
            droppedByKernel: droppedByKernel.load(ordering: .relaxed),
            garbageDisconnects: garbageDisconnects.load(ordering: .relaxed),
            connections: connections.load(ordering: .relaxed),
            readErrors: readErrors.load(ordering: .relaxed),
            refusedConnections: refusedConnections.load(ordering: .relaxed),
            idleDisconnects: idleDisconnects.load(ordering: .relaxed),
            bufferCapDisconnects: bufferCapDisconnects.load(ordering: .relaxed),
            acceptErrors: acceptErrors.load(ordering: .relaxed),
            lostAtShutdown: lostAtShutdown.load(ordering: .relaxed),
            unreadBytesAtShutdown: unreadBytesAtShutdown.load(ordering: .relaxed)
        )
    }

    /// Counts one batch handed to the pipeline.
    func countBatch(messages count: Int) {
        messages.add(UInt64(count), ordering: .relaxed)
        batches.add(1, ordering: .relaxed)
    }

    /// Counts bytes read from the input, whatever becomes of them.
    func countRead(bytes size: Int) {
        IngestCounters.add(bytes, size)
    }

    /// Adds `amount` to one of the counters (no-op for zero).
    static func add(_ counter: borrowing Atomic<UInt64>, _ amount: Int) {
        if amount > 0 { counter.add(UInt64(amount), ordering: .relaxed) }
    }
}
