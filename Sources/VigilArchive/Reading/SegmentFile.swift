#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A segment file opened for reading: its header, its footer when sealed, a scan of its blocks when
/// not, and the checks of one block.
struct SegmentFile {
    let path: String
    let number: Int
    let fd: Int32
    let size: Int

    /// Where a scan of block headers stopped before the end of the file.
    struct ScanStop {
        var offset: Int
        var reason: String
        /// The header of the block it stopped at, when that header was readable.
        var header: BlockHeader?
    }

    struct Scan {
        var blocks: [(offset: Int, header: BlockHeader)] = []
        /// The offset after the last whole block.
        var end: Int
        var stop: ScanStop?
    }

    static func open(path: String, number: Int) throws(ArchiveError) -> SegmentFile {
        let fd = try FileIO.openFile(path, O_RDONLY)
        do {
            return SegmentFile(path: path, number: number, fd: fd, size: try FileIO.size(fd, path: path))
        } catch {
            FileIO.closeFile(fd)
            throw error
        }
    }

    func close() { FileIO.closeFile(fd) }

    func read(offset: Int, count: Int) throws(ArchiveError) -> [UInt8] {
        try FileIO.read(fd, path: path, offset: offset, count: count)
    }

    func fileHeader() throws(ArchiveError) -> SegmentFileHeader {
        let bytes = try read(offset: 0, count: ArchiveLayout.fileHeaderSize)
        do {
            let header = try bytes.withUnsafeBytes { (raw) throws(FormatFailure) in try SegmentFileHeader.decode(raw) }
            guard header.segment == number else { throw FormatFailure(reason: "its header says segment \(header.segment)") }
            return header
        } catch {
            throw .badSegment(path: path, reason: formatReason(error))
        }
    }

    /// The block index from the footer, or nil when the file has no valid trailer and footer (open, torn
    /// while sealing, or damaged at its end).
    func footer() throws(ArchiveError) -> (blocks: [(offset: Int, header: BlockHeader)], footerOffset: Int)? {
        guard size >= ArchiveLayout.fileHeaderSize + 8 + ArchiveLayout.trailerSize else { return nil }
        let last = try read(offset: size - ArchiveLayout.trailerSize, count: ArchiveLayout.trailerSize)
        guard let trailer = last.withUnsafeBytes({ SegmentFooter.trailer($0) }),
            trailer.footerOffset >= ArchiveLayout.fileHeaderSize,
            trailer.footerOffset + 8 + trailer.blockCount * ArchiveLayout.footerEntrySize == size - ArchiveLayout.trailerSize
        else { return nil }
        let bytes = try read(offset: trailer.footerOffset, count: size - ArchiveLayout.trailerSize - trailer.footerOffset)
        guard
            let footer = try? bytes.withUnsafeBytes({ (raw) throws(FormatFailure) in
                try SegmentFooter.decode(raw, blockCount: trailer.blockCount, crc: trailer.footerCRC)
            })
        else { return nil }
        return (footer.blocks, trailer.footerOffset)
    }

    /// Follows block headers from the file header on. With `checkLast`, the last whole block's data is
    /// checked too (checksum and LZ4): a crash may have left its header written and its data not.
    func scan(checkLast: Bool) throws(ArchiveError) -> Scan {
        var result = Scan(end: ArchiveLayout.fileHeaderSize)
        var offset = ArchiveLayout.fileHeaderSize
        while offset < size {
            guard size - offset >= ArchiveLayout.blockHeaderSize else {
                result.stop = ScanStop(offset: offset, reason: "block header cut short", header: nil)
                break
            }
            let bytes = try read(offset: offset, count: ArchiveLayout.blockHeaderSize)
            let header: BlockHeader
            do {
                header = try bytes.withUnsafeBytes { (raw) throws(FormatFailure) in try BlockHeader.decode(raw) }
            } catch {
                let isFooter = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } == ArchiveLayout.footerMagic.littleEndian
                result.stop = ScanStop(offset: offset, reason: isFooter ? "an unfinished footer" : formatReason(error), header: nil)
                break
            }
            guard header.totalLength <= size - offset else {
                result.stop = ScanStop(offset: offset, reason: "block data cut short", header: header)
                break
            }
            result.blocks.append((offset, header))
            offset += header.totalLength
            result.end = offset
        }
        if checkLast, let last = result.blocks.last {
            do {
                _ = try checkedPayload(offset: last.offset, header: last.header)
            } catch {
                result.blocks.removeLast()
                result.end = last.offset
                result.stop = ScanStop(offset: last.offset, reason: formatReason(error), header: last.header)
            }
        }
        return result
    }

    /// The decompressed payload of the block at `offset` whose header is `header`, after its checks.
    func checkedPayload(offset: Int, header: BlockHeader) throws -> [UInt8] {
        let data = try read(offset: offset + ArchiveLayout.blockHeaderSize, count: Int(header.compressedLength))
        guard data.count == Int(header.compressedLength) else { throw FormatFailure(reason: "block data cut short") }
        guard archiveCRC32(data) == header.dataCRC else { throw FormatFailure(reason: "data checksum") }
        return try data.withUnsafeBytes { (raw) throws(FormatFailure) in
            try BlockCompression.decompress(raw, rawLength: Int(header.rawLength))
        }
    }

    /// The records of block `block` at `offset`. `expected` is the footer's copy of its header (sealed
    /// segments): the header on disk must match it.
    func records(block: Int, offset: Int, expected: BlockHeader?) throws(ArchiveError) -> (BlockHeader, [ArchiveRecord]) {
        func damaged(_ reason: String) -> ArchiveError { .damagedBlock(segment: number, block: block, offset: offset, reason: reason) }
        let bytes = try read(offset: offset, count: ArchiveLayout.blockHeaderSize)
        let header: BlockHeader
        do {
            header = try bytes.withUnsafeBytes { (raw) throws(FormatFailure) in try BlockHeader.decode(raw) }
        } catch {
            throw damaged(formatReason(error))
        }
        if let expected, expected != header { throw damaged("header differs from the footer's copy") }
        do {
            let payload = try checkedPayload(offset: offset, header: header)
            let records = try payload.withUnsafeBytes { (raw) throws(FormatFailure) in
                try BlockDecoder.decode(raw, header: header, segment: number, block: block)
            }
            return (header, records)
        } catch let error as ArchiveError {
            throw error
        } catch let error as FormatFailure {
            throw damaged(formatReason(error))
        } catch {
            throw damaged("\(error)")
        }
    }
}
