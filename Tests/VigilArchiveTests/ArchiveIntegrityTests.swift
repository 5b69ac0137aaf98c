import Foundation
import Testing
import VigilEvent

@testable import VigilArchive

@Suite("Archive integrity")
struct ArchiveIntegrityTests {
    /// An archive of three sealed segments of several blocks each.
    static func sealedArchive(_ directory: String, keyFile: String? = nil, runs: Int = 3) throws {
        for run in 0..<runs {
            var options = smallOptions(blockSize: 500, segmentSize: 1 << 30)
            options.keyFile = keyFile
            let writer = try ArchiveWriter.open(directory: directory, options: options, logger: quietLogger)
            for b in 0..<4 {
                writer.append(
                    makeBatch(
                        source: 1, firstSequence: UInt64(run * 100 + b * 10), receiveTime: Timestamp(seconds: 1_000),
                        (0..<10).map { TestMessage(bytes: Array("run \(run) batch \(b) line \($0) sshd accepted".utf8)) }))
            }
            try writer.finish()
        }
    }

    static func verify(_ directory: String, head: String? = nil, keyFile: String? = nil) throws -> ArchiveVerification {
        try ArchiveVerification.run(directory: directory, head: head, keyFile: keyFile)
    }

    @Test("a clean archive verifies; its head is the last chain record")
    func clean() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive)
        let verification = try Self.verify(temporary.archive, head: try ArchiveChain.head(directory: temporary.archive))
        #expect(verification.problems == [])
        #expect(verification.notes == [])
        #expect(verification.segmentsChecked == 3)
        #expect(verification.blocksChecked > 6)
        #expect(try ArchiveChain.records(directory: temporary.archive).map(\.kind) == [.seal, .seal, .seal])
    }

    @Test("a flipped byte in a sealed block: records() and verification name the block; the other blocks read")
    func flippedByte() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive)
        let reader = try ArchiveReader(directory: temporary.archive)
        let block = reader.segments[1].blocks[1]
        try flipByte(segmentPath(temporary.archive, 2), at: block.offset + ArchiveLayout.blockHeaderSize + 3)

        #expect {
            try reader.records(segment: 2, block: 1)
        } throws: { error in
            guard case ArchiveError.damagedBlock(segment: 2, block: 1, offset: block.offset, let reason) = error else { return false }
            return reason == "data checksum" && "\(error)".contains("block 1 of segment 000000000002")
        }
        #expect(try reader.records(segment: 2, block: 0).count > 0)
        let (records, damaged) = try readAll(temporary.archive)
        #expect(damaged.count == 1)
        #expect(messages(records).count == 120 - block.messageCount)

        let verification = try Self.verify(temporary.archive)
        #expect(verification.problems.contains { $0.hasPrefix("block 1 of segment 000000000002") && $0.contains("data checksum") })
        #expect(verification.problems.contains { $0.hasPrefix("segment 000000000002: changed") })
        #expect(verification.problems.count == 2)
    }

    @Test("a flipped byte in a block header is named too")
    func flippedHeader() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive)
        let block = try ArchiveReader(directory: temporary.archive).segments[0].blocks[2]
        try flipByte(segmentPath(temporary.archive, 1), at: block.offset + 10)
        let verification = try Self.verify(temporary.archive)
        #expect(verification.problems.contains { $0.hasPrefix("block 2 of segment 000000000001") && $0.contains("header checksum") })
    }

    enum Tampering: String, CaseIterable {
        case deleteSegment, modifySegment, truncateSegment, editChain, dropChainRecord, unknownSegment, swapSegments
    }

    @Test("tampering is reported", arguments: Tampering.allCases)
    func tampering(_ tampering: Tampering) throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive)
        let chainPath = ArchiveLayout.chainPath(temporary.archive)
        let chainText = try String(contentsOfFile: chainPath, encoding: .utf8)
        let expected: String
        switch tampering {
        case .deleteSegment:
            unlink(segmentPath(temporary.archive, 2))
            expected = "segment 000000000002: missing"
        case .modifySegment:
            // A byte of the file header's reserved field: no block check sees it, only the hash.
            try flipByte(segmentPath(temporary.archive, 3), at: 29)
            expected = "segment 000000000003: changed"
        case .truncateSegment:
            let path = segmentPath(temporary.archive, 1)
            #expect(truncate(path, off_t(fileSize(path) - 1)) == 0)
            expected = "segment 000000000001: truncated"
        case .editChain:
            var lines = chainText.split(separator: "\n").map(String.init)
            var fields = lines[1].split(separator: " ").map(String.init)
            fields[3] = String(Int(fields[3])! + 1)
            lines[1] = fields.joined(separator: " ")
            try (lines.joined(separator: "\n") + "\n").write(toFile: chainPath, atomically: false, encoding: .utf8)
            expected = "chain record 2: its hash does not match its fields"
        case .dropChainRecord:
            let lines = chainText.split(separator: "\n")
            try ([lines[0], lines[2]].joined(separator: "\n") + "\n").write(toFile: chainPath, atomically: false, encoding: .utf8)
            expected = "chain record 3: expected record number 2"
        case .swapSegments:
            let two = segmentPath(temporary.archive, 2)
            let three = segmentPath(temporary.archive, 3)
            #expect(rename(two, two + ".x") == 0 && rename(three, two) == 0 && rename(two + ".x", three) == 0)
            expected = "segment 000000000002: not a usable archive segment: its header says segment 3"
        case .unknownSegment:
            try FileManager.default.copyItem(atPath: segmentPath(temporary.archive, 1), toPath: segmentPath(temporary.archive, 9))
            expected = "segment 000000000009"
        }
        let verification = try Self.verify(temporary.archive)
        #expect(verification.problems.contains { $0.hasPrefix(expected) }, "\(verification.problems)")
    }

    @Test("the head: a wrong one is a problem, an older one is noted with the records after it")
    func head() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive, runs: 1)
        let first = try ArchiveChain.head(directory: temporary.archive)
        try Self.sealedArchive(temporary.archive, runs: 2)
        let older = try Self.verify(temporary.archive, head: first)
        #expect(older.problems == [])
        #expect(older.notes == ["2 records after the given head"])
        let wrong = try Self.verify(temporary.archive, head: String(repeating: "ab", count: 32))
        #expect(wrong.problems == ["the given head \(String(repeating: "ab", count: 32)) is not a record of the chain"])
    }

    @Test("HMAC with a key file: verified with the key, bad with another, not checked without one")
    func hmac() throws {
        let temporary = TemporaryDirectory()
        let key = temporary.path + "/key"
        let otherKey = temporary.path + "/other"
        try Data("secret key bytes".utf8).write(to: URL(fileURLWithPath: key))
        try Data("another key".utf8).write(to: URL(fileURLWithPath: otherKey))
        try Self.sealedArchive(temporary.archive, keyFile: key, runs: 2)
        #expect(try ArchiveChain.records(directory: temporary.archive).allSatisfy { $0.hmac != nil })

        #expect(try Self.verify(temporary.archive, keyFile: key).problems == [])
        let other = try Self.verify(temporary.archive, keyFile: otherKey)
        #expect(other.problems == ["chain record 1: bad HMAC", "chain record 2: bad HMAC"])
        let without = try Self.verify(temporary.archive)
        #expect(without.problems == [])
        #expect(without.notes == ["2 chain records carry an HMAC, not checked (no key file given)"])
    }

    @Test("HMAC: a chain rewritten without the key (records re-hashed, HMACs dropped) fails with the key")
    func hmacRewrite() throws {
        let temporary = TemporaryDirectory()
        let key = temporary.path + "/key"
        try Data("k".utf8).write(to: URL(fileURLWithPath: key))
        try Self.sealedArchive(temporary.archive, keyFile: key, runs: 1)
        let chainPath = ArchiveLayout.chainPath(temporary.archive)
        let record = try ArchiveChain.records(directory: temporary.archive)[0]
        let forged = ArchiveChainRecord(
            number: 1, kind: .seal, segment: 1, size: record.size, sha256: record.sha256, previous: record.previous, key: nil)
        try forged.line.write(toFile: chainPath, atomically: false, encoding: .utf8)
        #expect(try Self.verify(temporary.archive).problems == [])
        #expect(try Self.verify(temporary.archive, keyFile: key).problems == ["chain record 1: no HMAC"])
    }

    @Test("retention by size deletes the oldest sealed segments, records it in the chain, and still verifies")
    func retentionBySize() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive, runs: 3)
        let sizes = try ArchiveReader(directory: temporary.archive).segments.map(\.size)
        var options = smallOptions()
        options.retainSize = sizes[1] + sizes[2] + 10  // room for two of three, then for the new one
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: options, logger: quietLogger)
        writer.append(makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 9_000), [TestMessage(bytes: [1])]))
        try writer.finish()
        let numbers = try ArchiveReader(directory: temporary.archive).segments.map(\.number)
        #expect(numbers.first! > 1)
        #expect(numbers.last == 4)
        #expect(
            try ArchiveChain.records(directory: temporary.archive).filter { $0.kind == .delete }.map(\.segment) == Array(1..<numbers.first!)
        )
        #expect(writer.counters.segmentsDeleted == UInt64(numbers.first! - 1))
        #expect(try Self.verify(temporary.archive).problems == [])
        // Sequences went on from the deleted segments' numbering.
        #expect(messages(try readAll(temporary.archive).records).last?.reference.sequence == 120)
    }

    @Test("retention by age deletes sealed segments whose newest receive time is too old (never the newest)")
    func retentionByAge() throws {
        let temporary = TemporaryDirectory()
        try Self.sealedArchive(temporary.archive, runs: 3)  // receive times in 1970
        var options = smallOptions()
        options.retainAge = .seconds(3600)
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: options, logger: quietLogger)
        #expect(writer.counters.segmentsDeleted == 2)
        writer.append(
            makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(nanoseconds: archiveNow()), [TestMessage(bytes: [1])]))
        try writer.finish()
        #expect(try ArchiveReader(directory: temporary.archive).segments.map(\.number) == [4])
        #expect(try Self.verify(temporary.archive).problems == [])
    }
}
