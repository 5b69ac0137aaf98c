import VigilEvent

/// Reads a ``ByteSource`` into ``RawBatch``es of newline-delimited messages and hands them to a
/// ``BatchSink``: files, gzip files and stdin.
///
/// Each batch is one fresh buffer of about ``batchSize`` bytes filled by `read(2)` (or zlib) and cut with
/// `memchr`; the incomplete last line is copied to the start of the next buffer. The buffer then moves,
/// without a copy, into the batch and on to the parse worker.
public struct StreamReader<Source: ByteSource> {
    public var source: Source
    public let sourceID: SourceID
    public let counters: IngestCounters
    /// Bytes read per batch (the last line of a batch may make it a little shorter).
    public let batchSize: Int
    /// How the input's event times relate to the clock, given to every batch (a file: a replay whose
    /// RFC 3164 years are inferred against its modification time, see ``SourceClock``).
    public var clock = SourceClock()
    private var splitter: LineSplitter
    private var carry: [UInt8] = []
    private var nextSequence: UInt64 = 0

    public init(
        source: Source,
        sourceID: SourceID,
        counters: IngestCounters,
        maxMessageSize: Int,
        batchSize: Int = 1 << 20
    ) {
        self.source = source
        self.sourceID = sourceID
        self.counters = counters
        self.splitter = LineSplitter(maxMessageSize: maxMessageSize)
        // Room for a carried-over line of the maximum size plus as much again of new input.
        self.batchSize = max(batchSize, 2 * maxMessageSize + 1)
    }

    /// Reads to the end of input (or until `stop` is requested), handing every batch to `sink`.
    ///
    /// A read error ends this input: it is counted in ``IngestCounters`` and rethrown after the messages
    /// before it were handed over.
    ///
    /// `beforeSubmit` sees each batch just before it is handed over, with the number of bytes read but
    /// held back for the next batch (an incomplete last line): a followed file records its position.
    public mutating func run(
        into sink: some BatchSink, stop: StopToken? = nil, beforeSubmit: ((RawBatch, _ carried: Int) -> Void)? = nil
    ) throws(IngestError) {
        defer { source.close() }
        while true {
            let (batch, atEnd, failure) = nextBatch(stop: stop)
            if let batch {
                counters.countBatch(messages: batch.count)
                beforeSubmit?(batch, carry.count)
                sink.submit(batch)
            }
            if let failure {
                IngestCounters.add(counters.readErrors, 1)
                throw failure
            }
            if atEnd { return }
        }
    }

    /// Reads and cuts one batch. `atEnd` is set at end of input, on a read error, and once `stop` was
    /// requested. A last line cut short by the stop is still handed over, marked `truncated_frame`.
    public mutating func nextBatch(stop: StopToken? = nil) -> (batch: RawBatch?, atEnd: Bool, failure: IngestError?) {
        let receiveTime = WallClock.now()
        var atEnd = stop?.isStopRequested ?? false
        var cutByStop = false
        var failure: IngestError? = nil
        var output = LineSplitter.Output()
        var consumed = 0
        let carried = carry
        // Headroom past what is read, so the bytes a parser derives (unescaped strings) are appended
        // in place instead of reallocating and copying the whole buffer.
        var bytes = [UInt8](unsafeUninitializedCapacity: batchSize + batchSize / 8) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[..<batchSize])
            carried.withUnsafeBytes { raw.copyMemory(from: $0) }
            var filled = carried.count
            while !atEnd && filled < raw.count {
                do throws(IngestError) {
                    let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
                    if n == 0 { atEnd = true }
                    filled += n
                } catch {
                    failure = error
                    atEnd = true
                }
                if filled > carried.count && !source.hasInputReady() { break }
            }
            counters.countRead(bytes: filled - carried.count)
            output.messages.reserveCapacity(filled / 64)
            consumed = splitter.split(UnsafeRawBufferPointer(rebasing: raw[..<filled]), into: &output, atEnd: atEnd)
            cutByStop = atEnd && filled > 0 && raw[filled - 1] != 0x0A && (stop?.isStopRequested ?? false)
            initialized = filled
        }
        carry = consumed < bytes.count ? Array(bytes[consumed...]) : []
        if !carry.isEmpty { bytes.removeLast(bytes.count - consumed) }
        IngestCounters.add(counters.emptyLines, output.emptyLines)
        IngestCounters.add(counters.truncated, output.truncated)
        IngestCounters.add(counters.discardedBytes, output.discardedBytes)
        guard !output.messages.isEmpty else { return (nil, atEnd, failure) }
        if cutByStop, let last = output.messages.indices.last, output.failures.last?.index != last {
            output.failures.append((index: last, failure: ParseFailure(.truncatedFrame, at: output.messages[last].count)))
        }
        var batch = RawBatch(
            source: sourceID,
            firstSequence: nextSequence,
            receiveTime: receiveTime,
            bytes: bytes,
            messages: output.messages,
            framingFailures: output.failures
        )
        batch.clock = clock
        nextSequence += UInt64(output.messages.count)
        return (batch, atEnd, failure)
    }
}
