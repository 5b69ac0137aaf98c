import Crypto
import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension WriterEngine {
    /// What opening an archive does before the writer thread starts:
    /// 1. reads the chain (a last line a crash cut short is removed);
    /// 2. deletes segment files the chain says are deleted (retention cut short by a crash);
    /// 3. every segment file without a seal record was left open by a crash: its torn end is cut off
    ///    (`ftruncate` after the last whole block), and it is sealed (footer, index, chain record). The
    ///    writer then starts a new segment; a segment left with no whole block is removed;
    /// 4. finds the next archive sequence (after the newest block) and the next segment number.
    func openArchive() throws(ArchiveError) {
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(ArchiveLayout.segmentsDirectory(directory))

        let chainPath = ArchiveLayout.chainPath(directory)
        let chain = try ArchiveChain.read(directory: directory)
        if let bad = chain.badLines.first {
            throw .badChain(path: chainPath, line: bad.line, reason: "not a chain record: \(bad.text)")
        }
        if chain.tornTail > 0 {
            logger.warning("archive \(directory): the chain's last line was cut short by a crash; removing its \(chain.tornTail) bytes")
            guard truncate(chainPath, off_t(chain.size - chain.tornTail)) == 0 else {
                throw .io(path: chainPath, operation: "truncate", code: errno)
            }
        }
        var lastRecord: [Int: ArchiveChainRecord] = [:]
        for record in chain.records { lastRecord[record.segment] = record }
        if let last = chain.records.last {
            chainNumber = last.number
            chainHash = last.hash
        }

        var numbers = try ArchiveReader.segmentNumbers(directory: directory)
        for number in numbers where lastRecord[number]?.kind == .delete {
            logger.notice("archive \(directory): removing segment \(ArchiveLayout.segmentName(number)), deleted in the chain")
            unlink(ArchiveLayout.segmentPath(directory, number))
            unlink(ArchiveLayout.indexPath(directory, number))
        }
        numbers.removeAll { lastRecord[$0]?.kind == .delete }

        var nextSequence: UInt64 = 0
        for number in numbers {
            if let record = lastRecord[number] {
                let info = try? ArchiveReader.info(directory: directory, number: number)
                let maxReceive = info.flatMap { $0.blocks.map(\.maxReceiveTime.nanoseconds).max() } ?? Timestamp.distantFuture.nanoseconds
                sealed.append(SealedSegment(number: number, size: record.size, sha256: record.sha256, maxReceiveTime: maxReceive))
                if let last = info?.blocks.last { nextSequence = max(nextSequence, last.firstSequence + UInt64(last.messageCount)) }
            } else if let last = try recoverAndSeal(number: number) {
                nextSequence = max(nextSequence, last)
            }
        }
        encoder = BlockEncoder(nextSequence: nextSequence, capacity: min(options.blockSize, 64 << 20) + 4096)
        nextSegment = max(numbers.max() ?? 0, chain.records.map(\.segment).max() ?? 0) + 1
        applyRetention()
    }

    /// Cuts the torn end of a segment a crash left open and seals it. Returns the archive sequence after
    /// its last message (nil when the segment had no whole block and was removed).
    private func recoverAndSeal(number: Int) throws(ArchiveError) -> UInt64? {
        let path = ArchiveLayout.segmentPath(directory, number)
        let file = try SegmentFile.open(path: path, number: number)
        defer { file.close() }
        if file.size < ArchiveLayout.fileHeaderSize {
            // Created, header not (fully) written: nothing was in it.
            logger.notice("archive \(directory): removing segment \(ArchiveLayout.segmentName(number)), a crash left it empty")
            unlink(path)
            unlink(ArchiveLayout.indexPath(directory, number))
            return nil
        }
        _ = try file.fileHeader()
        var blocks: [(offset: Int, header: BlockHeader)]
        var end: Int
        let footer = try file.footer()
        if let footer {
            // Sealing had written the footer; the index or the chain record had not been written.
            blocks = footer.blocks
            end = file.size
        } else {
            let scan = try file.scan(checkLast: true)
            blocks = scan.blocks
            end = scan.end
            if let stop = scan.stop {
                let cut = file.size - scan.end
                let isFooter = stop.reason == "an unfinished footer"
                recovery.segment = ArchiveLayout.segmentName(number) + ".vseg"
                recovery.bytesCut += cut
                if !isFooter {
                    recovery.tornBlocks += 1
                    if let header = stop.header, let lost = recovery.eventsLost {
                        recovery.eventsLost = lost + Int(header.messageCount)
                    } else {
                        recovery.eventsLost = nil
                    }
                }
                let lost = isFooter ? "no messages" : stop.header.map { "\($0.messageCount) messages" } ?? "an unknown number of messages"
                logger.warning(
                    "archive \(directory): segment \(ArchiveLayout.segmentName(number)) ends in a torn block at byte \(stop.offset) (\(stop.reason)): cutting \(cut) bytes, \(lost)"
                )
                guard ftruncate(file.fd, off_t(scan.end)) == 0 || truncate(path, off_t(scan.end)) == 0 else {
                    throw .io(path: path, operation: "truncate", code: errno)
                }
            }
        }
        if blocks.isEmpty {
            logger.notice("archive \(directory): removing segment \(ArchiveLayout.segmentName(number)), it holds no whole block")
            unlink(path)
            unlink(ArchiveLayout.indexPath(directory, number))
            return nil
        }

        // The index needs each block's tokens: decode them (only after a crash).
        var filters: [BloomFilter] = []
        for (i, block) in blocks.enumerated() {
            var hashes = TokenHashSet()
            if let records = try? file.records(block: i, offset: block.offset, expected: nil).1 {
                for case .message(let message) in records {
                    message.bytes.withUnsafeBytes { hashes.insertTokens(of: $0) }
                }
                filters.append(BloomFilter(hashes: hashes))
            } else {
                // A damaged block: a filter that says "maybe" to everything, so that searches scan it.
                filters.append(BloomFilter(words: [.max], hashCount: 1))
            }
        }
        if footer == nil {
            let footer = SegmentFooter(blocks: blocks).encoded(at: end)
            let rw = try FileIO.openFile(path, O_WRONLY)
            defer { FileIO.closeFile(rw) }
            if let code = FileIO.writeAll(rw, footer, offset: end) { throw .io(path: path, operation: "write", code: code) }
            guard ftruncate(rw, off_t(end + footer.count)) == 0, fsync(rw) == 0 else {
                throw .io(path: path, operation: "fsync", code: errno)
            }
        }
        let bytes = try FileIO.readFile(path)
        let sha = hex(SHA256.hash(data: bytes))
        finishSeal(number: number, size: bytes.count, sha256: sha, blocks: blocks, filters: filters)
        recovery.segmentsSealed += 1
        logger.notice("archive \(directory): sealed segment \(ArchiveLayout.segmentName(number)), left open by an earlier run")
        let last = blocks[blocks.count - 1].header
        return last.firstSequence + UInt64(last.messageCount)
    }
}
