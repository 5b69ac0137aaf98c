/// The block index written when a segment is sealed, and the fixed trailer after it that lets a reader
/// find it from the end of the file.
struct SegmentFooter {
    var blocks: [(offset: Int, header: BlockHeader)]

    /// The footer's bytes followed by the trailer's.
    func encoded(at footerOffset: Int) -> [UInt8] {
        var sink = ByteSink(capacity: 8 + blocks.count * ArchiveLayout.footerEntrySize + ArchiveLayout.trailerSize)
        sink.u32(ArchiveLayout.footerMagic)
        sink.u32(UInt32(blocks.count))
        for block in blocks {
            sink.u64(UInt64(block.offset))
            sink.bytes.append(contentsOf: block.header.encoded())
        }
        let footerCRC = archiveCRC32(sink.bytes)
        let trailerStart = sink.bytes.count
        sink.u64(UInt64(footerOffset))
        sink.u32(UInt32(blocks.count))
        sink.u32(footerCRC)
        let trailerCRC = sink.bytes.withUnsafeBytes { archiveCRC32(UnsafeRawBufferPointer(rebasing: $0[trailerStart..<trailerStart + 16])) }
        sink.u32(trailerCRC)
        sink.u32(ArchiveLayout.trailerMagic)
        return sink.bytes
    }

    /// The trailer at the end of `file` (the last 24 bytes), or nil when there is none (an open segment).
    static func trailer(_ last: UnsafeRawBufferPointer) -> (footerOffset: Int, blockCount: Int, footerCRC: UInt32)? {
        guard last.count == ArchiveLayout.trailerSize else { return nil }
        var source = ByteSource(last)
        guard let footerOffset = try? source.u64(), let count = try? source.u32(), let footerCRC = try? source.u32(),
            let trailerCRC = try? source.u32(), let magic = try? source.u32(), magic == ArchiveLayout.trailerMagic,
            trailerCRC == archiveCRC32(UnsafeRawBufferPointer(rebasing: last[0..<16])), footerOffset <= UInt64(Int.max)
        else { return nil }
        return (Int(footerOffset), Int(count), footerCRC)
    }

    /// Reads the footer's bytes (between the footer offset and the trailer).
    static func decode(_ bytes: UnsafeRawBufferPointer, blockCount: Int, crc: UInt32) throws(FormatFailure) -> SegmentFooter {
        guard bytes.count == 8 + blockCount * ArchiveLayout.footerEntrySize else { throw FormatFailure(reason: "footer length") }
        guard archiveCRC32(bytes) == crc else { throw FormatFailure(reason: "footer checksum") }
        var source = ByteSource(bytes)
        guard try source.u32() == ArchiveLayout.footerMagic, try source.u32() == UInt32(blockCount) else {
            throw FormatFailure(reason: "footer magic")
        }
        var blocks: [(offset: Int, header: BlockHeader)] = []
        blocks.reserveCapacity(blockCount)
        for _ in 0..<blockCount {
            let offset = try source.u64()
            let header = try BlockHeader.decode(try source.bytes(ArchiveLayout.blockHeaderSize))
            blocks.append((Int(offset), header))
        }
        return SegmentFooter(blocks: blocks)
    }
}
