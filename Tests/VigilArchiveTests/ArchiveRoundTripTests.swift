import Foundation
import Testing
import VigilEvent

@testable import VigilArchive

@Suite("Archive round trip")
struct ArchiveRoundTripTests {
    @Test(
        "batches and control records read back in order, over several blocks and segments",
        arguments: [(blockSize: 4096, segmentSize: 40_000), (blockSize: 1, segmentSize: 1), (blockSize: 1 << 20, segmentSize: 1 << 30)])
    func roundTrip(sizes: (blockSize: Int, segmentSize: Int)) throws {
        let temporary = TemporaryDirectory()
        let items = variedItems(batches: 120)
        let writer = try ArchiveWriter.open(
            directory: temporary.archive, options: smallOptions(blockSize: sizes.blockSize, segmentSize: sizes.segmentSize),
            logger: quietLogger)
        #expect(writer.recovery.isClean)
        append(items, to: writer)
        try writer.finish()

        let (records, damaged) = try readAll(temporary.archive)
        #expect(damaged.isEmpty)
        let expected = expectedRecords(items)
        #expect(records.count == expected.count)
        for (i, (got, want)) in zip(records.map(describe), expected).enumerated() where got != want {
            Issue.record("record \(i): \(got.prefix(300)) != \(want.prefix(300))")
            break
        }
        // Archive sequences are dense from 0, and every reference reads back its message.
        let archived = messages(records)
        #expect(archived.map(\.reference.sequence) == Array(0..<UInt64(archived.count)))
        let reader = try ArchiveReader(directory: temporary.archive)
        for message in archived where message.reference.sequence % 37 == 0 {
            let again = try reader.message(at: message.reference)
            #expect(again.map { describe(.message($0)) } == describe(.message(message)))
        }
        #expect(reader.segments.allSatisfy { $0.sealed })
        if sizes.blockSize == 4096 {
            #expect(reader.segments.count > 2)
            #expect(reader.segments[0].blocks.count > 2)
        }
        let counters = writer.counters
        #expect(counters.messages == UInt64(archived.count))
        #expect(counters.segmentsSealed == UInt64(reader.segments.count))
        #expect(counters.blocksWritten == UInt64(reader.segments.reduce(0) { $0 + $1.blocks.count }))
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("every block decodes alone: a batch cut across blocks keeps its messages' source, sequence and times")
    func blockAlone() throws {
        let temporary = TemporaryDirectory()
        let items = variedItems(batches: 80, seed: 7)
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(blockSize: 700), logger: quietLogger)
        append(items, to: writer)
        try writer.finish()
        let all = messages(try readAll(temporary.archive).records)

        let reader = try ArchiveReader(directory: temporary.archive)
        var startsWithoutBatch = 0
        for segment in reader.segments {
            for (b, info) in segment.blocks.enumerated() {
                let records = try reader.records(segment: segment.number, block: b)
                if case .message = records.first { startsWithoutBatch += 1 }
                let blockMessages = messages(records)
                #expect(blockMessages.count == info.messageCount)
                for message in blockMessages {
                    #expect(message.reference.segment == segment.number && message.reference.block == b)
                    #expect(describe(.message(message)) == describe(.message(all[Int(message.reference.sequence)])))
                }
                if let first = blockMessages.first { #expect(first.reference.sequence == info.firstSequence) }
            }
        }
        // The test means something only if some block began in the middle of a batch.
        #expect(startsWithoutBatch > 0)
    }

    @Test("the flush interval writes a pending block without waiting for it to fill")
    func flushInterval() throws {
        let temporary = TemporaryDirectory()
        var options = smallOptions(blockSize: 1 << 20)
        options.flushInterval = .milliseconds(50)
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: options, logger: quietLogger)
        writer.append(makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 5), [TestMessage(bytes: Array("hello".utf8))]))
        var blocks = 0
        for _ in 0..<100 where blocks == 0 {
            usleep(20_000)
            blocks = (try? ArchiveReader(directory: temporary.archive))?.segments.first?.blocks.count ?? 0
        }
        #expect(blocks == 1)
        #expect(writer.counters.flushes >= 1)
        try writer.finish()
    }

    @Test("segments are sealed by age")
    func segmentAge() throws {
        let temporary = TemporaryDirectory()
        var options = smallOptions(blockSize: 1)
        options.segmentAge = .milliseconds(100)
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: options, logger: quietLogger)
        writer.append(makeBatch(source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 5), [TestMessage(bytes: [1])]))
        var sealed = false
        for _ in 0..<100 where !sealed {
            usleep(20_000)
            sealed = writer.counters.segmentsSealed == 1
        }
        #expect(sealed)
        writer.append(makeBatch(source: 1, firstSequence: 1, receiveTime: Timestamp(seconds: 6), [TestMessage(bytes: [2])]))
        try writer.finish()
        #expect(try ArchiveReader(directory: temporary.archive).segments.map(\.number) == [1, 2])
    }

    @Test("a full disk: the write is retried, the queue fills and append waits; nothing is lost")
    func fullDisk() throws {
        let temporary = TemporaryDirectory()
        let faults = ArchiveWriteFaults()
        var options = smallOptions(blockSize: 1)
        options.queueBatches = 1
        let writer = try ArchiveWriter(directory: temporary.archive, options: options, logger: quietLogger, faults: faults)
        faults.failNextWrites(1)
        for i in 0..<5 {
            writer.append(
                makeBatch(
                    source: 1, firstSequence: UInt64(i), receiveTime: Timestamp(seconds: 5), [TestMessage(bytes: Array("m\(i)".utf8))]))
        }
        try writer.finish()
        let counters = writer.counters
        #expect(counters.fullDiskWaits == 1)
        #expect(counters.waitedNanoseconds > 100_000_000)
        let read = messages(try readAll(temporary.archive).records)
        #expect(read.map { String(decoding: $0.bytes, as: UTF8.self) } == ["m0", "m1", "m2", "m3", "m4"])
        #expect(try ArchiveVerification.run(directory: temporary.archive, head: nil, keyFile: nil).problems == [])
    }

    @Test("appends from several threads: every message archived once, each thread's batches in its order")
    func concurrentAppends() throws {
        let temporary = TemporaryDirectory()
        var options = smallOptions(blockSize: 2048, segmentSize: 20_000)
        options.queueBatches = 2
        let writer = try ArchiveWriter.open(directory: temporary.archive, options: options, logger: quietLogger)
        let done = DispatchGroup()
        for t in 0..<4 {
            done.enter()
            let thread = Thread {
                for b in 0..<50 {
                    writer.append(
                        makeBatch(
                            source: UInt32(t), firstSequence: UInt64(b * 3), receiveTime: Timestamp(seconds: 1),
                            (0..<3).map { TestMessage(bytes: Array("thread \(t) batch \(b) message \($0)".utf8)) }))
                }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        try writer.finish()
        let read = messages(try readAll(temporary.archive).records)
        #expect(read.count == 600)
        for t in 0..<4 {
            #expect(read.filter { $0.source == UInt32(t) }.map(\.sourceSequence) == Array(0..<150))
        }
        #expect(writer.counters.messages == 600)
    }

    @Test("reopening a clean archive continues sequences and segment numbers")
    func reopen() throws {
        let temporary = TemporaryDirectory()
        for run in 0..<3 {
            let writer = try ArchiveWriter.open(directory: temporary.archive, options: smallOptions(), logger: quietLogger)
            #expect(writer.recovery.isClean)
            writer.append(
                makeBatch(
                    source: 1, firstSequence: 0, receiveTime: Timestamp(seconds: 5),
                    (0..<3).map { TestMessage(bytes: [UInt8(run), UInt8($0)]) }))
            try writer.finish()
        }
        let reader = try ArchiveReader(directory: temporary.archive)
        #expect(reader.segments.map(\.number) == [1, 2, 3])
        #expect(messages(try readAll(temporary.archive).records).map(\.reference.sequence) == Array(0..<9))
    }
}
