/// Archive blocks as a stream of messages instead of segment files: what the cluster edge publishes
/// (docs/SCALING.md). Each message is one block exactly as a segment holds it (the 68-byte header,
/// then the LZ4 data, docs/archive.md), so the wire format is the archive's: checksummed, compressed,
/// and read back by the same decoder. A batch may continue in the next block; a reader takes the
/// blocks in order.
public struct ArchiveBlockStreamEncoder: ~Copyable {
    private var encoder: BlockEncoder
    /// Raw payload bytes at which a block is closed (and, with ``flush()``, the most a block holds
    /// but for one message: a message is never split).
    public let blockSize: Int
    private var finished: [[UInt8]] = []
    public private(set) var counters = ArchiveCounters()

    /// `firstSequence`: the archive sequence of the first message (messages are numbered densely).
    public init(blockSize: Int, firstSequence: UInt64 = 0) {
        self.blockSize = blockSize
        encoder = BlockEncoder(nextSequence: firstSequence, capacity: blockSize + 4096)
    }

    /// The sequence the next message gets.
    public var nextSequence: UInt64 { encoder.nextSequence }

    /// Whether a block is pending (records not yet in a finished block).
    public var hasPending: Bool { !encoder.isEmpty }

    /// Appends a batch's header and messages.
    public mutating func append(_ batch: borrowing ArchiveBatch) {
        encoder.appendBatchHeader(batch, messageCount: batch.messages.count)
        counters.batches += 1
        let blockSize = blockSize
        var local = BlockEncoder.placeholder
        swap(&local, &encoder)
        var done: [[UInt8]] = []
        let rawBytes = local.appendMessages(of: batch, blockSize: blockSize) { full in
            done.append(Self.seal(&full))
        }
        swap(&local, &encoder)
        for block in done { noteBlock(block) }
        counters.messages += UInt64(batch.messages.count)
        counters.rawBytes += rawBytes
        if encoder.rawLength >= blockSize { noteBlock(Self.seal(&encoder)) }
    }

    /// Appends a control record (run start, tick, source end) in order with the batches.
    public mutating func append(_ record: ArchiveControlRecord) {
        encoder.appendControl(record)
    }

    /// Closes the pending block (if any) so that ``takeBlocks()`` returns it.
    public mutating func flush() {
        guard !encoder.isEmpty else { return }
        noteBlock(Self.seal(&encoder))
        counters.flushes += 1
    }

    /// The blocks finished since the last call, oldest first.
    public mutating func takeBlocks() -> [[UInt8]] {
        defer { finished = [] }
        return finished
    }

    private mutating func noteBlock(_ block: [UInt8]) {
        counters.blocksWritten += 1
        counters.compressedBytes += UInt64(block.count)
        finished.append(block)
    }

    /// The block's bytes (header and LZ4 data); the encoder starts the next block.
    private static func seal(_ encoder: inout BlockEncoder) -> [UInt8] {
        let raw = encoder.blockBytes()
        let compressed = BlockCompression.compress(raw)
        var bytes = encoder.header(compressed: compressed, rawLength: raw.count).encoded()
        bytes.append(contentsOf: compressed)
        encoder.reset()
        return bytes
    }
}

/// Reads one block of an ``ArchiveBlockStreamEncoder`` stream back into records, after checking its
/// header checksum, its data checksum and its LZ4 data.
public enum ArchiveBlockStreamDecoder {
    /// - Throws: ``ArchiveError/damagedBlock(segment:block:offset:reason:)`` (segment 0; `block` is the
    ///   caller's number for it, such as the stream sequence) saying what failed.
    public static func records(_ bytes: [UInt8], block: Int = 0) throws(ArchiveError) -> [ArchiveRecord] {
        func damaged(_ reason: String) -> ArchiveError { .damagedBlock(segment: 0, block: block, offset: 0, reason: reason) }
        guard bytes.count >= ArchiveLayout.blockHeaderSize else { throw damaged("shorter than a block header") }
        do {
            let (header, payload) = try bytes.withUnsafeBytes { raw in
                let header = try BlockHeader.decode(UnsafeRawBufferPointer(rebasing: raw[0..<ArchiveLayout.blockHeaderSize]))
                let data = UnsafeRawBufferPointer(rebasing: raw[ArchiveLayout.blockHeaderSize...])
                guard data.count == Int(header.compressedLength) else { throw FormatFailure(reason: "block data length") }
                guard archiveCRC32(data) == header.dataCRC else { throw FormatFailure(reason: "data checksum") }
                return (header, try BlockCompression.decompress(data, rawLength: Int(header.rawLength)))
            }
            return try payload.withUnsafeBytes { decoded in try BlockDecoder.decode(decoded, header: header, segment: 0, block: block) }
        } catch {
            throw damaged(formatReason(error))
        }
    }
}
