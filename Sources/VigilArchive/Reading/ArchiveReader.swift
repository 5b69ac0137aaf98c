import VigilEvent

/// Reads an archive directory: its segments, their blocks and records, and the sidecar indexes.
///
/// The segment list is taken when the reader is made; a writer may go on appending meanwhile (the
/// open segment's blocks are found by following block headers, and a block being written is simply
/// not seen yet).
public struct ArchiveReader: Sendable {
    public let directory: String
    public let segments: [ArchiveSegmentInfo]

    public init(directory: String) throws {
        self.directory = directory
        var found: [ArchiveSegmentInfo] = []
        for number in try Self.segmentNumbers(directory: directory) {
            found.append(try Self.info(directory: directory, number: number))
        }
        segments = found
    }

    /// Segment numbers in the directory, in order.
    static func segmentNumbers(directory: String) throws(ArchiveError) -> [Int] {
        let path = ArchiveLayout.segmentsDirectory(directory)
        guard let names = FileIO.list(path) else {
            if FileIO.exists(directory) && !FileIO.exists(path) { return [] }
            throw .io(path: path, operation: "list", code: ENOENT)
        }
        return names.compactMap(ArchiveLayout.segmentNumber(fileName:)).sorted()
    }

    /// A segment's block list: from the footer when sealed, else by following block headers.
    static func info(directory: String, number: Int) throws(ArchiveError) -> ArchiveSegmentInfo {
        let path = ArchiveLayout.segmentPath(directory, number)
        let file = try SegmentFile.open(path: path, number: number)
        defer { file.close() }
        _ = try file.fileHeader()
        if let footer = try file.footer() {
            return ArchiveSegmentInfo(
                number: number, path: path, sealed: true, size: file.size, blocks: footer.blocks.map { $0.header.info(offset: $0.offset) },
                damage: nil)
        }
        let scan = try file.scan(checkLast: false)
        return ArchiveSegmentInfo(
            number: number, path: path, sealed: false, size: file.size, blocks: scan.blocks.map { $0.header.info(offset: $0.offset) },
            damage: scan.stop.map { "blocks end at byte \($0.offset): \($0.reason)" })
    }

    public func segment(_ number: Int) -> ArchiveSegmentInfo? {
        // Segments are sorted by number.
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].number < number { low = middle + 1 } else { high = middle }
        }
        return low < segments.count && segments[low].number == number ? segments[low] : nil
    }

    /// Records of one block; throws ``ArchiveError/damagedBlock(segment:block:offset:reason:)`` on a bad
    /// checksum, bad LZ4 data or records that do not decode.
    public func records(segment number: Int, block: Int) throws -> [ArchiveRecord] {
        guard let info = segment(number) else { throw ArchiveError.noSuchSegment(segment: number) }
        guard info.blocks.indices.contains(block) else { throw ArchiveError.noSuchBlock(segment: number, block: block) }
        let file = try SegmentFile.open(path: info.path, number: number)
        defer { file.close() }
        return try records(file: file, info: info, block: block)
    }

    private func records(file: SegmentFile, info: ArchiveSegmentInfo, block: Int) throws(ArchiveError) -> [ArchiveRecord] {
        let blockInfo = info.blocks[block]
        let result = try file.records(block: block, offset: blockInfo.offset, expected: nil)
        // A sealed block's header must be the one the footer lists.
        if info.sealed && result.0.info(offset: blockInfo.offset) != blockInfo {
            throw .damagedBlock(
                segment: info.number, block: block, offset: blockInfo.offset, reason: "header differs from the footer's copy")
        }
        return result.1
    }

    /// Every record in archive order. Damaged blocks (and unreadable segments) are reported to `damaged`
    /// and skipped.
    public func forEachRecord(damaged: (ArchiveError) -> Void, _ body: (ArchiveRecord) throws -> Void) rethrows {
        for info in segments {
            let file: SegmentFile
            do {
                file = try SegmentFile.open(path: info.path, number: info.number)
            } catch {
                damaged(error)
                continue
            }
            defer { file.close() }
            for block in info.blocks.indices {
                let records: [ArchiveRecord]
                do {
                    records = try self.records(file: file, info: info, block: block)
                } catch {
                    damaged(error)
                    continue
                }
                for record in records { try body(record) }
            }
        }
    }

    /// The message at `reference`, nil when the archive does not have it (deleted, or a bad reference).
    public func message(at reference: ArchiveReference) throws -> ArchivedMessage? {
        guard let info = segment(reference.segment), info.blocks.indices.contains(reference.block) else { return nil }
        let block = info.blocks[reference.block]
        guard reference.sequence >= block.firstSequence, reference.sequence - block.firstSequence < UInt64(block.messageCount) else {
            return nil
        }
        for record in try records(segment: reference.segment, block: reference.block) {
            if case .message(let message) = record, message.reference.sequence == reference.sequence { return message }
        }
        return nil
    }

    /// The sidecar index of a sealed segment; nil for the open segment, or when the sidecar is missing
    /// or damaged or was made for other bytes (the caller scans).
    public func index(segment number: Int) -> ArchiveSegmentIndex? {
        guard let info = segment(number), info.sealed,
            let bytes = try? FileIO.readFile(ArchiveLayout.indexPath(directory, number)),
            var index = try? ArchiveSegmentIndex.decode(bytes),
            index.segment == number, index.segmentSize == info.size, index.blocks.count == info.blocks.count
        else { return nil }
        for i in index.blocks.indices {
            guard index.blocks[i].info.offset == info.blocks[i].offset else { return nil }
            index.blocks[i].info = info.blocks[i]
        }
        return index
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
