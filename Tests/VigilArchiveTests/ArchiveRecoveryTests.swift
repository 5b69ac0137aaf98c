import Foundation
import Testing
import VigilEvent

@testable import VigilArchive

@Suite("Archive crash recovery")
struct ArchiveRecoveryTests {
    /// Writes `batches` batches of 10 messages in blocks of about 600 bytes, then stops as a crash would
    /// (the open segment unsealed). Returns the open segment's blocks.
    static func crashedArchive(_ directory: String, batches: Int = 6) throws -> [ArchiveBlockInfo] {
        let writer = try ArchiveWriter(
            directory: directory, options: smallOptions(blockSize: 600, segmentSize: 1 << 30), logger: quietLogger, faults: nil)
        for b in 0..<batches {
            writer.append(
                makeBatch(
                    source: 1, firstSequence: UInt64(b * 10), receiveTime: Timestamp(seconds: 1_000 + Int64(b)),
                    (0..<10).map {
                        TestMessage(bytes: Array("batch \(b) message \($0) from 192.168.1.\($0)".utf8), eventTime: Timestamp(seconds: 900))
                    }))
        }
        writer.abandonForTesting()
        let reader = try ArchiveReader(directory: directory)
        #expect(reader.segments.count == 1)
        #expect(reader.segments[0].sealed == false)
        return reader.segments[0].blocks
    }

    enum Damage: String, CaseIterable {
        case cutMidBlock, cutInHeader, garbageAppended, badDataChecksum, badHeaderChecksum
    }

    @Test("a torn last block is cut off and counted; appending continues with the next sequence", arguments: Damage.allCases)
    func tornBlock(damage: Damage) throws {
        let temporary = TemporaryDirectory()
        let blocks = try Self.crashedArchive(temporary.archive)
        #expect(blocks.count >= 3)
        let path = segmentPath(temporary.archive, 1)
        let size = fileSize(path)
        let last = blocks[blocks.count - 1]
        var lostBlocks = 1
        var lostMessages: Int? = last.messageCount
        switch damage {
        case .cutMidBlock: #expect(truncate(path, off_t(size - 10)) == 0)
        case .cutInHeader:
            #expect(truncate(path, off_t(last.offset + 20)) == 0)
            lostMessages = nil
        case .garbageAppended:
            let handle = FileHandle(forWritingAtPath: path)!
            handle.seekToEndOfFile()
            handle.write(Data((0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }))
            handle.closeFile()
            lostMessages = nil
        case .badDataChecksum: try flipByte(path, at: size - 5)
        case .badHeaderChecksum:
            try flipByte(path, at: last.offset + 30)
            lostMessages = nil
        }
        let keptSequences = damage == .garbageAppended ? 60 : Int(last.firstSequence)
        if damage == .garbageAppended { lostBlocks = 1 }

        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(blockSize: 600), logger: quietLogger)
        let recovery = writer.recovery
        #expect(recovery.segment == "000000000001.vseg")
        #expect(recovery.tornBlocks == lostBlocks)
        #expect(recovery.eventsLost == lostMessages)
        #expect(recovery.bytesCut > 0)
        #expect(recovery.segmentsSealed == 1)
        writer.append(
            makeBatch(source: 1, firstSequence: 60, receiveTime: Timestamp(seconds: 2_000), [TestMessage(bytes: Array("after".utf8))]))
        try writer.finish()

        let (records, damaged) = try readAll(temporary.archive)
        #expect(damaged == [])
        let read = messages(records)
        #expect(read.map(\.reference.sequence) == Array(0...UInt64(keptSequences)))
        #expect(read.last.map { String(decoding: $0.bytes, as: UTF8.self) } == "after")
        let reader = try ArchiveReader(directory: temporary.archive)
        #expect(reader.segments.map(\.number) == [1, 2])
        #expect(reader.segments.allSatisfy { $0.sealed })
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("a crash that left the segment whole: it is sealed at open, nothing is cut")
    func sealedAtOpen() throws {
        let temporary = TemporaryDirectory()
        _ = try Self.crashedArchive(temporary.archive)
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
        #expect(writer.recovery.isClean)
        #expect(writer.recovery.segmentsSealed == 1)
        try writer.finish()
        let reader = try ArchiveReader(directory: temporary.archive)
        #expect(reader.segments.map(\.sealed) == [true])
        #expect(reader.index(segment: 1) != nil)
        #expect(messages(try readAll(temporary.archive).records).count == 60)
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("two segments left open (an older one too): both are sealed at open, in order, and verify")
    func twoOpenSegments() throws {
        let temporary = TemporaryDirectory()
        _ = try Self.crashedArchive(temporary.archive)
        // A second run that crashed too, without having opened (and sealed) the first one's segment.
        let engine = WriterEngine(
            directory: temporary.archive, options: smallOptions(blockSize: 600), logger: quietLogger, key: nil, faults: nil)
        engine.nextSegment = 2
        engine.encoder = BlockEncoder(nextSequence: 60, capacity: 4096)
        engine.append(
            makeBatch(source: 1, firstSequence: 60, receiveTime: Timestamp(seconds: 3_000), [TestMessage(bytes: Array("second".utf8))]))
        engine.abandon()
        #expect(try ArchiveReader(directory: temporary.archive).segments.map(\.sealed) == [false, false])

        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
        #expect(writer.recovery.segmentsSealed == 2)
        #expect(writer.recovery.isClean)
        writer.append(
            makeBatch(source: 1, firstSequence: 61, receiveTime: Timestamp(seconds: 4_000), [TestMessage(bytes: Array("third".utf8))]))
        try writer.finish()
        #expect(try ArchiveChain.records(directory: temporary.archive).map(\.segment) == [1, 2, 3])
        #expect(messages(try readAll(temporary.archive).records).map(\.reference.sequence) == Array(0...61))
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("a crash while sealing (footer written, no chain record) and a crash before any block")
    func crashWhileSealing() throws {
        let temporary = TemporaryDirectory()
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
        writer.append(makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 5), [TestMessage(bytes: [1, 2, 3])]))
        try writer.finish()
        // Forget the seal record and the index, as if the crash came right after the footer.
        let chain = ArchiveLayout.chainPath(temporary.archive)
        #expect(truncate(chain, 0) == 0)
        unlink(ArchiveLayout.indexPath(temporary.archive, 1))
        // And a segment file created but never written.
        #expect(FileManager.default.createFile(atPath: segmentPath(temporary.archive, 2), contents: Data([0x56, 0x53])))

        let again = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
        #expect(again.recovery.isClean)
        #expect(again.recovery.segmentsSealed == 1)
        try again.finish()
        #expect(!FileManager.default.fileExists(atPath: segmentPath(temporary.archive, 2)))
        #expect(try ArchiveChain.records(directory: temporary.archive).map(\.segment) == [1])
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("a block being written is not seen by a reader of the open segment; its damage is noted, not a problem")
    func openSegmentReader() throws {
        let temporary = TemporaryDirectory()
        let blocks = try Self.crashedArchive(temporary.archive)
        let path = segmentPath(temporary.archive, 1)
        #expect(truncate(path, off_t(fileSize(path) - 3)) == 0)
        let reader = try ArchiveReader(directory: temporary.archive)
        #expect(reader.segments[0].blocks.count == blocks.count - 1)
        #expect(reader.segments[0].damage != nil)
        let verification = try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil)
        #expect(verification.problems == [])
        #expect(verification.notes.contains { $0.contains("segment 000000000001") })
    }
}
