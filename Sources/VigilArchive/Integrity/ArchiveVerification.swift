import Crypto

/// A check of a whole archive: the chain, every segment's SHA-256 against its seal record, and every
/// block's checksums and LZ4 data (the open segment's too).
public struct ArchiveVerification: Sendable {
    /// One line per problem, naming the segment and block or the chain record.
    public var problems: [String] = []
    /// What is worth knowing but is not a problem: records after the given head, HMACs not checked
    /// without a key, the open segment.
    public var notes: [String] = []
    public var segmentsChecked = 0
    public var blocksChecked = 0
    public var chainRecords = 0
    public var ok: Bool { problems.isEmpty }

    /// Verifies the archive in `directory`.
    ///
    /// - Parameters:
    ///   - head: A chain head (``ArchiveChain/head(directory:)``) kept from earlier: it must be a record of
    ///     the chain (records after it are noted: the archive went on).
    ///   - keyFile: The HMAC key: every record must carry a valid HMAC. Without it, HMACs are not checked.
    /// - Throws: ``ArchiveError`` when the chain or the key file cannot be read at all.
    public static func run(directory: String, head: String?, keyFile: String?) throws -> ArchiveVerification {
        var result = ArchiveVerification()
        let key = try keyFile.map { (path) throws(ArchiveError) in try ArchiveChain.key(path: path) }
        let chain = try ArchiveChain.read(directory: directory)
        result.chainRecords = chain.records.count
        result.checkChain(chain, key: key, head: head)

        // The state of each segment according to the chain.
        var sealRecord: [Int: ArchiveChainRecord] = [:]
        var deleteRecord: [Int: ArchiveChainRecord] = [:]
        var lastSealed = 0
        for record in chain.records {
            let name = ArchiveLayout.segmentName(record.segment)
            switch record.kind {
            case .seal:
                if let earlier = sealRecord[record.segment] {
                    result.problems.append(
                        "chain record \(record.number): seals segment \(name) again (sealed in record \(earlier.number))")
                } else if record.segment <= lastSealed {
                    result.problems.append(
                        "chain record \(record.number): seals segment \(name) after segment \(ArchiveLayout.segmentName(lastSealed)) (reordered)"
                    )
                }
                sealRecord[record.segment] = record
                lastSealed = max(lastSealed, record.segment)
            case .delete:
                if let seal = sealRecord[record.segment] {
                    if seal.sha256 != record.sha256 || seal.size != record.size {
                        result.problems.append(
                            "chain record \(record.number): deletes segment \(name) with another size or hash than its seal")
                    }
                } else {
                    result.problems.append("chain record \(record.number): deletes segment \(name), which was never sealed")
                }
                deleteRecord[record.segment] = record
            }
        }

        let files = Set(try ArchiveReader.segmentNumbers(directory: directory))
        let newestFile = files.max() ?? 0
        for (number, seal) in sealRecord.sorted(by: { $0.key < $1.key }) {
            let name = ArchiveLayout.segmentName(number)
            if let deleted = deleteRecord[number] {
                if files.contains(number) {
                    result.problems.append("segment \(name): deleted in chain record \(deleted.number), but its file is still there")
                }
                continue
            }
            guard files.contains(number) else {
                result.problems.append("segment \(name): missing (sealed in chain record \(seal.number), not deleted)")
                continue
            }
            let path = ArchiveLayout.segmentPath(directory, number)
            guard let bytes = try? FileIO.readFile(path) else {
                result.problems.append("segment \(name): cannot be read")
                continue
            }
            if bytes.count < seal.size {
                result.problems.append("segment \(name): truncated (\(bytes.count) bytes, sealed with \(seal.size))")
            } else if bytes.count > seal.size {
                result.problems.append("segment \(name): grew (\(bytes.count) bytes, sealed with \(seal.size))")
            }
            let sha = hex(SHA256.hash(data: bytes))
            if sha != seal.sha256 && bytes.count == seal.size {
                result.problems.append("segment \(name): changed (sha256 \(sha) != \(seal.sha256) sealed in chain record \(seal.number))")
            }
        }
        for number in files.sorted() where sealRecord[number] == nil {
            let name = ArchiveLayout.segmentName(number)
            if number == newestFile && number > lastSealed {
                result.notes.append("segment \(name): open (not sealed yet)")
            } else {
                result.problems.append("segment \(name): unknown segment file (no seal record in the chain)")
            }
        }

        for number in files.sorted() where deleteRecord[number] == nil {
            result.checkBlocks(directory: directory, number: number, sealedInChain: sealRecord[number] != nil)
        }
        return result
    }

    private mutating func checkChain(_ chain: ArchiveChain.Contents, key: [UInt8]?, head: String?) {
        for bad in chain.badLines { problems.append("chain line \(bad.line): not a chain record: \(bad.text)") }
        if chain.tornTail > 0 { problems.append("chain: its last line is cut short (\(chain.tornTail) bytes without an end of line)") }
        var previous = ArchiveChainRecord.zeroHash
        var expected = 1
        var unchecked = 0
        for record in chain.records {
            let name = "chain record \(record.number)"
            if record.number != expected {
                problems.append("\(name): expected record number \(expected) here (records missing or reordered)")
            }
            if !record.hashIsValid { problems.append("\(name): its hash does not match its fields (edited)") }
            if record.previous != previous { problems.append("\(name): does not link to the record before it") }
            if let key {
                if let hmac = record.hmac {
                    if hmac != ArchiveChainRecord.computeHMAC(hash: record.hash, key: key) { problems.append("\(name): bad HMAC") }
                } else {
                    problems.append("\(name): no HMAC")
                }
            } else if record.hmac != nil {
                unchecked += 1
            }
            previous = record.hash
            expected = record.number + 1
        }
        if unchecked > 0 { notes.append("\(unchecked) chain records carry an HMAC, not checked (no key file given)") }
        if let head {
            let position: Int? = head.isEmpty ? -1 : chain.records.firstIndex { $0.hash == head }
            if let position {
                let after = chain.records.count - 1 - position
                if after > 0 { notes.append("\(after) records after the given head") }
            } else {
                problems.append("the given head \(head) is not a record of the chain")
            }
        }
    }

    /// Checks every block of a segment file (header checksum, data checksum, LZ4, records).
    private mutating func checkBlocks(directory: String, number: Int, sealedInChain: Bool) {
        let name = ArchiveLayout.segmentName(number)
        let path = ArchiveLayout.segmentPath(directory, number)
        segmentsChecked += 1
        let file: SegmentFile
        do {
            file = try SegmentFile.open(path: path, number: number)
        } catch {
            problems.append("segment \(name): \(error)")
            return
        }
        defer { file.close() }
        do {
            _ = try file.fileHeader()
        } catch {
            if case .badSegment(_, let reason) = error {
                problems.append("segment \(name): not a usable archive segment: \(reason)")
            } else {
                problems.append("segment \(name): \(error)")
            }
            return
        }
        var blocks: [(offset: Int, header: BlockHeader)]
        do {
            if let footer = try file.footer() {
                blocks = footer.blocks
            } else {
                let scan = try file.scan(checkLast: false)
                blocks = scan.blocks
                if sealedInChain { problems.append("segment \(name): its footer is missing or damaged") }
                if let stop = scan.stop {
                    let text = "segment \(name): blocks end at byte \(stop.offset) (\(stop.reason))"
                    if sealedInChain {
                        problems.append(text)
                    } else {
                        notes.append(text + ": a block being written, or a crash the next open cuts")
                    }
                }
            }
        } catch {
            problems.append("segment \(name): \(error)")
            return
        }
        for (i, block) in blocks.enumerated() {
            blocksChecked += 1
            do {
                _ = try file.records(block: i, offset: block.offset, expected: block.header)
            } catch {
                problems.append("\(error)")
            }
        }
    }
}
