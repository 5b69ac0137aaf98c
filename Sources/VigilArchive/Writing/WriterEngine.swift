import Crypto
import Logging
import Synchronization
import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Test hook: makes the next writes fail as a full disk would.
final class ArchiveWriteFaults: Sendable {
    let failures = Mutex(0)
    init() {}
    /// The next `count` writes of segment data fail with ENOSPC.
    func failNextWrites(_ count: Int) { failures.withLock { $0 = count } }
    func take() -> Int32? {
        failures.withLock { remaining in
            guard remaining > 0 else { return nil }
            remaining -= 1
            return ENOSPC
        }
    }
}

/// A sealed segment as retention sees it.
struct SealedSegment {
    var number: Int
    var size: Int
    var sha256: String
    /// The newest receive time in the segment (``Timestamp/distantFuture`` when it cannot be read, so
    /// that age never deletes it).
    var maxReceiveTime: Int64
}

/// The segment being written: its file, where the next block goes, and what the footer, the sidecar
/// index and the chain record need.
struct OpenSegment {
    var number: Int
    var path: String
    var fd: Int32
    var offset: Int
    var created: Int64
    var rawBytes = 0
    var blocks: [(offset: Int, header: BlockHeader)] = []
    var filters: [BloomFilter] = []
    /// SHA-256 of the bytes written so far: the file is written once, front to back.
    var hasher = SHA256()
}

/// Everything the writer thread owns. `@unchecked Sendable`: ``ArchiveWriter`` makes it (and recovers the
/// archive with it) before starting the thread; from then on only that thread touches it.
final class WriterEngine: @unchecked Sendable {
    let directory: String
    let options: ArchiveOptions
    let logger: Logger
    let key: [UInt8]?
    let faults: ArchiveWriteFaults?

    var counters = ArchiveCounters()
    var recovery = ArchiveRecovery()
    var encoder: BlockEncoder
    /// When the pending block got its first record (wall nanoseconds).
    var blockStarted: Int64?
    var open: OpenSegment?
    var sealed: [SealedSegment] = []
    var nextSegment = 1
    var chainNumber = 0
    var chainHash = ArchiveChainRecord.zeroHash
    /// The failing operation last logged, so a full disk is logged once, not every second.
    private var loggedFailure: String?

    init(directory: String, options: ArchiveOptions, logger: Logger, key: [UInt8]?, faults: ArchiveWriteFaults?) {
        self.directory = directory
        self.options = options
        self.logger = logger
        self.key = key
        self.faults = faults
        encoder = BlockEncoder(nextSequence: 0, capacity: min(options.blockSize, 64 << 20) + 4096)
    }

    // MARK: Records

    func append(_ batch: consuming ArchiveBatch) {
        let count = batch.messages.count
        encoder.appendBatchHeader(batch, messageCount: count)
        noteRecord()
        counters.batches += 1
        // The encoder is moved into a local for the loop: mutating it in place through `self` (a class)
        // cost a runtime exclusivity check per access, 16 % of the writer's time in a release build.
        var local = takeEncoder()
        let rawBytes = local.appendMessages(of: batch, blockSize: options.blockSize) { full in
            encoder = full
            writeBlock()
            full = takeEncoder()
        }
        encoder = local
        counters.messages += UInt64(count)
        counters.rawBytes += rawBytes
        if encoder.rawLength >= options.blockSize { writeBlock() }
    }

    /// The encoder, leaving an empty placeholder in its place (so that the local copy is not shared).
    func takeEncoder() -> BlockEncoder {
        var taken = BlockEncoder.placeholder
        swap(&taken, &encoder)
        return taken
    }

    func append(_ record: ArchiveControlRecord) {
        encoder.appendControl(record)
        noteRecord()
        if encoder.rawLength >= options.blockSize { writeBlock() }
    }

    private func noteRecord() {
        if blockStarted == nil { blockStarted = archiveNow() }
    }

    /// When the writer thread must wake with no new record: the flush interval of a pending block, the
    /// age of the open segment.
    var nextDeadline: Int64? {
        // Saturating: a huge interval must mean "never", not a time that wrapped into the past.
        func after(_ start: Int64, _ interval: Timestamp.Duration) -> Int64 {
            let (sum, overflow) = start.addingReportingOverflow(max(0, interval.nanoseconds))
            return overflow ? .max : sum
        }
        var deadline: Int64?
        if let started = blockStarted { deadline = after(started, options.flushInterval) }
        if let open {
            let sealAt = after(open.created, options.segmentAge)
            deadline = min(deadline ?? sealAt, sealAt)
        }
        return deadline
    }

    /// Flushes a block whose interval passed and seals a segment that is old enough.
    func runTimers(now: Int64) {
        if let started = blockStarted, now - started >= options.flushInterval.nanoseconds, !encoder.isEmpty {
            counters.flushes += 1
            writeBlock()
        }
        if let open, now - open.created >= options.segmentAge.nanoseconds {
            writeBlock()
            sealOpenSegment()
        }
    }

    /// Writes the pending block, seals the segment.
    func finish() {
        writeBlock()
        sealOpenSegment()
    }

    /// Writes the pending block and stops without sealing (tests: what a crash leaves).
    func abandon() {
        writeBlock()
        if let open { FileIO.closeFile(open.fd) }
        open = nil
    }

    // MARK: Blocks

    /// Compresses and writes the pending block (if any) at the end of the open segment, starting one
    /// when none is open; seals the segment when it is full.
    func writeBlock() {
        blockStarted = nil
        guard !encoder.isEmpty else { return }
        if open == nil { startSegment() }
        let raw = encoder.blockBytes()
        let compressed = BlockCompression.compress(raw)
        let header = encoder.header(compressed: compressed, rawLength: raw.count)
        var bytes = header.encoded()
        bytes.append(contentsOf: compressed)
        let offset = open!.offset
        let fd = open!.fd
        let path = open!.path
        // A failed write is repeated whole at the same offset: what was written before is never touched.
        retrying("write \(path)") { () throws(ArchiveError) in
            if let code = faults?.take() ?? FileIO.writeAll(fd, bytes, offset: offset) {
                throw .io(path: path, operation: "write", code: code)
            }
            if options.fsync && fsync(fd) != 0 { throw .io(path: path, operation: "fsync", code: errno) }
        }
        open!.hasher.update(data: bytes)
        open!.offset += bytes.count
        open!.rawBytes += raw.count
        open!.blocks.append((offset, header))
        open!.filters.append(BloomFilter(hashes: encoder.tokenHashes))
        counters.blocksWritten += 1
        counters.compressedBytes += UInt64(bytes.count)
        encoder.reset()
        if open!.rawBytes >= options.segmentSize { sealOpenSegment() }
    }

    private func startSegment() {
        let number = nextSegment
        let path = ArchiveLayout.segmentPath(directory, number)
        let created = archiveNow()
        let header = SegmentFileHeader(segment: number, created: Timestamp(nanoseconds: created)).encoded()
        var fd: Int32 = -1
        retrying("create \(path)") { () throws(ArchiveError) in
            if fd < 0 { fd = try FileIO.openFile(path, O_RDWR | O_CREAT | O_TRUNC) }
            if let code = faults?.take() ?? FileIO.writeAll(fd, header, offset: 0) { throw .io(path: path, operation: "write", code: code) }
        }
        FileIO.syncDirectory(ArchiveLayout.segmentsDirectory(directory))
        var segment = OpenSegment(number: number, path: path, fd: fd, offset: header.count, created: created)
        segment.hasher.update(data: header)
        open = segment
        nextSegment += 1
    }

    /// Repeats `body` every second until it succeeds. The first failure of a kind is logged (naming the
    /// archive directory); meanwhile the queue fills and the pipeline slows: nothing is dropped.
    func retrying(_ what: String, _ body: () throws(ArchiveError) -> Void) {
        while true {
            do {
                try body()
                if loggedFailure != nil {
                    logger.notice("archive \(directory): writing again (\(what))")
                    loggedFailure = nil
                }
                return
            } catch {
                if loggedFailure != "\(error)" {
                    logger.error("archive \(directory): \(error); retrying every second, intake waits meanwhile")
                    loggedFailure = "\(error)"
                }
                counters.fullDiskWaits += 1
                usleep(1_000_000)
            }
        }
    }

    // MARK: Sealing

    /// Writes the footer and trailer, the sidecar index and the chain record of the open segment.
    func sealOpenSegment() {
        guard var segment = open else { return }
        open = nil
        let footer = SegmentFooter(blocks: segment.blocks).encoded(at: segment.offset)
        retrying("seal \(segment.path)") { () throws(ArchiveError) in
            if let code = faults?.take() ?? FileIO.writeAll(segment.fd, footer, offset: segment.offset) {
                throw .io(path: segment.path, operation: "write", code: code)
            }
            if fsync(segment.fd) != 0 { throw .io(path: segment.path, operation: "fsync", code: errno) }
        }
        FileIO.closeFile(segment.fd)
        segment.hasher.update(data: footer)
        let size = segment.offset + footer.count
        let sha = hex(segment.hasher.finalize())
        finishSeal(number: segment.number, size: size, sha256: sha, blocks: segment.blocks, filters: segment.filters)
        counters.segmentsSealed += 1
        applyRetention()
    }

    /// The sidecar index and the chain record of a segment whose footer is written.
    func finishSeal(number: Int, size: Int, sha256: String, blocks: [(offset: Int, header: BlockHeader)], filters: [BloomFilter]) {
        let index = ArchiveSegmentIndex(
            segment: number, segmentSize: size,
            blocks: zip(blocks, filters).map { ArchiveSegmentIndex.Block(info: $0.0.header.info(offset: $0.0.offset), filter: $0.1) })
        let indexPath = ArchiveLayout.indexPath(directory, number)
        retrying("write \(indexPath)") { () throws(ArchiveError) in try FileIO.replaceFile(indexPath, with: index.encoded(), sync: true) }
        FileIO.syncDirectory(ArchiveLayout.segmentsDirectory(directory))
        appendChain(kind: .seal, segment: number, size: size, sha256: sha256)
        let maxReceive = blocks.map(\.header.maxReceiveTime).max() ?? Timestamp.distantPast.nanoseconds
        sealed.append(SealedSegment(number: number, size: size, sha256: sha256, maxReceiveTime: maxReceive))
    }

    func appendChain(kind: ArchiveChainRecord.Kind, segment: Int, size: Int, sha256: String) {
        let record = ArchiveChainRecord(
            number: chainNumber + 1, kind: kind, segment: segment, size: size, sha256: sha256, previous: chainHash, key: key)
        retrying("append to \(ArchiveLayout.chainPath(directory))") { () throws(ArchiveError) in
            try ArchiveChain.append(record, directory: directory)
        }
        chainNumber = record.number
        chainHash = record.hash
    }

    // MARK: Retention

    /// Deletes sealed segments, oldest first, that are older than `retainAge` or beyond `retainSize`.
    /// The newest sealed segment is always kept (with the open one, it carries the archive sequence on).
    func applyRetention() {
        guard options.retainAge != nil || options.retainSize != nil else { return }
        if let age = options.retainAge {
            let now = archiveNow()
            var i = 0
            while i < sealed.count - 1 {
                if now &- sealed[i].maxReceiveTime > age.nanoseconds {
                    delete(sealed.remove(at: i))
                } else {
                    i += 1
                }
            }
        }
        if let limit = options.retainSize {
            var total = sealed.reduce(0) { $0 + $1.size }
            while total > limit && sealed.count > 1 {
                let oldest = sealed.removeFirst()
                total -= oldest.size
                delete(oldest)
            }
        }
    }

    /// The chain record first, then the files: a crash between them leaves files that the next open
    /// deletes (the chain says they are gone), never a missing file the chain says is there.
    private func delete(_ segment: SealedSegment) {
        appendChain(kind: .delete, segment: segment.number, size: segment.size, sha256: segment.sha256)
        unlink(ArchiveLayout.segmentPath(directory, segment.number))
        unlink(ArchiveLayout.indexPath(directory, segment.number))
        FileIO.syncDirectory(ArchiveLayout.segmentsDirectory(directory))
        counters.segmentsDeleted += 1
        logger.info("archive \(directory): deleted segment \(ArchiveLayout.segmentName(segment.number)) (retention)")
    }
}
