import VigilEvent

/// The sidecar index of a sealed segment (`NNNNNNNNNNNN.vidx`): per block, its time ranges and a Bloom
/// filter over its messages' tokens (``ArchiveTokens``), sized for about 1 % false positives.
///
/// A filter never gives a false negative: when ``mayContain(block:token:)`` is false, no message of
/// the block has the token. A missing or damaged sidecar gives no index at all (``ArchiveReader/index(segment:)``
/// returns nil): the caller scans.
public struct ArchiveSegmentIndex: Sendable {
    /// One block's entry.
    public struct Block: Sendable {
        public var info: ArchiveBlockInfo
        var filter: BloomFilter
    }

    public var segment: Int
    /// The size of the segment file the index was made for.
    public var segmentSize: Int
    public var blocks: [Block]

    /// False when no message of the block has `token` (one token, see ``ArchiveTokens``); true when one
    /// may have it (or when the block is not in the index).
    public func mayContain(block: Int, token: some Collection<UInt8>) -> Bool {
        guard blocks.indices.contains(block) else { return true }
        let hash = Array(token).withUnsafeBytes { ArchiveTokenHash.hash($0) }
        return blocks[block].filter.mayContain(hash)
    }

    /// The blocks that may hold `token`.
    public func blocks(mayContain token: some Collection<UInt8>) -> [Int] {
        let bytes = Array(token)
        return blocks.indices.filter { mayContain(block: $0, token: bytes) }
    }

    func encoded() -> [UInt8] {
        var sink = ByteSink()
        sink.u32(ArchiveLayout.indexMagic)
        sink.u16(ArchiveLayout.formatVersion)
        sink.u16(0)
        sink.u64(UInt64(segment))
        sink.u64(UInt64(segmentSize))
        sink.u32(UInt32(blocks.count))
        sink.u32(0)
        for block in blocks {
            let info = block.info
            sink.u64(UInt64(info.offset))
            sink.u32(UInt32(info.messageCount))
            sink.u32(UInt32(block.filter.hashCount))
            sink.u64(info.firstSequence)
            sink.i64(info.minEventTime.nanoseconds)
            sink.i64(info.maxEventTime.nanoseconds)
            sink.i64(info.minReceiveTime.nanoseconds)
            sink.i64(info.maxReceiveTime.nanoseconds)
            sink.u32(UInt32(block.filter.words.count))
            for word in block.filter.words { sink.u64(word) }
        }
        sink.u32(archiveCRC32(sink.bytes))
        return sink.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> ArchiveSegmentIndex {
        guard bytes.count >= 36 else { throw FormatFailure(reason: "index too short") }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) }
        guard stored == bytes.withUnsafeBytes({ archiveCRC32(UnsafeRawBufferPointer(rebasing: $0[0..<bytes.count - 4])) }) else {
            throw FormatFailure(reason: "index checksum")
        }
        return try bytes.withUnsafeBytes { (raw) throws(FormatFailure) -> ArchiveSegmentIndex in
            var source = ByteSource(UnsafeRawBufferPointer(rebasing: raw[0..<raw.count - 4]))
            guard try source.u32() == ArchiveLayout.indexMagic, try source.u16() == ArchiveLayout.formatVersion else {
                throw FormatFailure(reason: "index magic or version")
            }
            _ = try source.u16()
            let segment = Int(clamping: try source.u64())
            let segmentSize = Int(clamping: try source.u64())
            let count = Int(try source.u32())
            _ = try source.u32()
            var blocks: [Block] = []
            for _ in 0..<count {
                let offset = Int(clamping: try source.u64())
                let messages = Int(try source.u32())
                let hashCount = Int(try source.u32())
                let first = try source.u64()
                let times = (try source.i64(), try source.i64(), try source.i64(), try source.i64())
                let wordCount = Int(try source.u32())
                guard wordCount <= (source.buffer.count - source.offset) / 8, hashCount > 0, hashCount < 64 else {
                    throw FormatFailure(reason: "index filter size")
                }
                var words = [UInt64]()
                words.reserveCapacity(wordCount)
                for _ in 0..<wordCount { words.append(try source.u64()) }
                let info = ArchiveBlockInfo(
                    offset: offset, compressedLength: 0, rawLength: 0, messageCount: messages, recordCount: 0, firstSequence: first,
                    minEventTime: Timestamp(nanoseconds: times.0), maxEventTime: Timestamp(nanoseconds: times.1),
                    minReceiveTime: Timestamp(nanoseconds: times.2), maxReceiveTime: Timestamp(nanoseconds: times.3))
                blocks.append(Block(info: info, filter: BloomFilter(words: words, hashCount: hashCount)))
            }
            guard source.isAtEnd else { throw FormatFailure(reason: "index has bytes after its last block") }
            return ArchiveSegmentIndex(segment: segment, segmentSize: segmentSize, blocks: blocks)
        }
    }
}
