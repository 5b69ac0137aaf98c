import VigilEvent

/// Gathers messages arriving on an event loop (datagrams, TCP frames) into one ``RawBatch``.
///
/// Message bytes are copied once, into the batch buffer; the NIO buffers they came in are released at
/// once. The builder owns the per-source sequence numbers.
struct MessageBatchBuilder {
    let sourceID: SourceID
    /// Given to every batch: listeners are live; a listener may carry its own zone.
    let clock: SourceClock
    private let capacity: Int
    private(set) var bytes: [UInt8] = []
    private(set) var messages: [ByteRange] = []
    private var failures: [(index: Int, failure: ParseFailure)] = []
    private var receiveTime: Timestamp?
    private var nextSequence: UInt64 = 0

    init(sourceID: SourceID, capacity: Int, timeZone: String? = nil) {
        self.sourceID = sourceID
        self.clock = SourceClock(isLive: true, isListener: true, timeZone: timeZone)
        self.capacity = capacity
        reset()
    }

    var isEmpty: Bool { messages.isEmpty }
    var count: Int { messages.count }
    var byteCount: Int { bytes.count }

    /// Appends one message (empty ones are not messages: the caller counts them).
    mutating func append(_ message: UnsafeRawBufferPointer, failure: ParseFailure? = nil) {
        if receiveTime == nil { receiveTime = WallClock.now() }
        let start = bytes.count
        bytes.append(contentsOf: message)
        if let failure { failures.append((index: messages.count, failure: failure)) }
        messages.append(ByteRange(start: start, end: bytes.count))
    }

    /// The batch so far, without clearing it (so a batch the pipeline refused can be offered again).
    func makeBatch() -> RawBatch {
        var batch = RawBatch(
            source: sourceID,
            firstSequence: nextSequence,
            receiveTime: receiveTime ?? WallClock.now(),
            bytes: bytes,
            messages: messages,
            framingFailures: failures
        )
        batch.clock = clock
        return batch
    }

    /// Starts the next batch after the current one was handed over (or dropped).
    mutating func advance() {
        nextSequence += UInt64(messages.count)
        reset()
    }

    private mutating func reset() {
        // Fresh arrays: the old ones now belong to the batch that was handed over.
        bytes = []
        bytes.reserveCapacity(capacity)
        messages = []
        messages.reserveCapacity(1024)
        failures = []
        receiveTime = nil
    }
}
