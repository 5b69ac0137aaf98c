import Foundation
import Logging
import VigilEvent

@testable import VigilArchive

/// A fresh directory under /tmp, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ name: String = "archive") {
        var template = Array("/tmp/vigil-\(name)-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var archive: String { path + "/archive" }
}

/// A message to archive: its bytes and what vigil knew about it.
struct TestMessage {
    var bytes: [UInt8]
    var eventTime: Timestamp = .distantPast
    var precision: UInt8 = 0
    var flags: ArchiveMessage.Flags = []
    var bytesCut: UInt32 = 0
}

/// A batch whose buffer holds other bytes around the messages (as the pipeline's buffers may).
func makeBatch(
    source: UInt32, name: String = "stdin", firstSequence: UInt64, receiveTime: Timestamp, clock: SourceClock = SourceClock(),
    _ messages: [TestMessage]
) -> ArchiveBatch {
    var bytes: [UInt8] = [0xEE]
    var archived: [ArchiveMessage] = []
    for message in messages {
        let start = bytes.count
        bytes.append(contentsOf: message.bytes)
        archived.append(
            ArchiveMessage(
                range: ByteRange(start: start, end: bytes.count), eventTime: message.eventTime, precision: message.precision,
                flags: message.flags, bytesCut: message.bytesCut))
        bytes.append(UInt8(ascii: "\n"))
    }
    return ArchiveBatch(
        source: source, sourceName: name, firstSequence: firstSequence, receiveTime: receiveTime, clock: clock, bytes: bytes,
        messages: archived)
}

/// A comparable text form of a record (message bytes in hex), without its reference.
func describe(_ record: ArchiveRecord) -> String {
    switch record {
    case .runStart(let start):
        return "runStart \(start.run) \(start.wallTime.nanoseconds) \(start.expectedSources.map { "\($0.source)=\($0.name)" })"
    case .batch(let header):
        return
            "batch \(header.source) \(header.sourceName) \(header.firstSequence) \(header.receiveTime.nanoseconds) \(header.clock) \(header.messageCount)"
    case .message(let m):
        return
            "message \(m.source) \(m.sourceSequence) \(m.receiveTime.nanoseconds) \(m.eventTime.nanoseconds) \(m.precision) \(m.flags.rawValue) \(m.bytesCut) \(hexText(m.bytes))"
    case .tick(let time): return "tick \(time.nanoseconds)"
    case .sourceEnd(let source): return "sourceEnd \(source)"
    }
}

func hexText(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16) }.joined(separator: ".") }

/// What a reader should give back for what was appended, in order.
func expectedRecords(_ items: [Either]) -> [String] {
    var result: [String] = []
    for item in items {
        switch item {
        case .batch(let batch):
            result.append(
                describe(
                    .batch(
                        ArchiveBatchHeader(
                            source: batch.source, sourceName: batch.sourceName, firstSequence: batch.firstSequence,
                            receiveTime: batch.receiveTime,
                            clock: batch.clock, messageCount: batch.messages.count))))
            for (i, message) in batch.messages.enumerated() {
                let archived = ArchivedMessage(
                    reference: ArchiveReference(segment: 0, block: 0, sequence: 0), source: batch.source,
                    sourceSequence: batch.firstSequence + UInt64(i), receiveTime: batch.receiveTime, eventTime: message.eventTime,
                    precision: message.precision, flags: message.flags, bytesCut: message.bytesCut,
                    bytes: Array(batch.bytes[message.range.range]))
                result.append(describe(.message(archived)))
            }
        case .control(let control):
            switch control {
            case .runStart(let start): result.append(describe(.runStart(start)))
            case .tick(let time): result.append(describe(.tick(time)))
            case .sourceEnd(let source): result.append(describe(.sourceEnd(source: source)))
            }
        }
    }
    return result
}

enum Either {
    case batch(ArchiveBatch)
    case control(ArchiveControlRecord)
}

func append(_ items: [Either], to writer: ArchiveWriter) {
    for item in items {
        switch item {
        case .batch(let batch): writer.append(batch)
        case .control(let control): writer.append(control)
        }
    }
}

/// Every record of the archive, with the damaged blocks reported.
func readAll(_ directory: String) throws -> (records: [ArchiveRecord], damaged: [String]) {
    let reader = try ArchiveReader(directory: directory)
    var records: [ArchiveRecord] = []
    var damaged: [String] = []
    reader.forEachRecord(damaged: { damaged.append("\($0)") }) { records.append($0) }
    return (records, damaged)
}

func messages(_ records: [ArchiveRecord]) -> [ArchivedMessage] {
    records.compactMap { if case .message(let m) = $0 { return m } else { return nil } }
}

/// A logger that drops everything (tests look at results, not log lines).
let quietLogger: Logger = {
    var logger = Logger(label: "vigil.archive.test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// A varied stream of records: arbitrary bytes, empty and long messages, flags, messages without a time,
/// two interleaved sources, control records between batches.
func variedItems(batches: Int, seed: UInt64 = 1) -> [Either] {
    var random = SplitMixRandom(seed: seed)
    var items: [Either] = [
        .control(
            .runStart(
                ArchiveRunStart(
                    run: 0xDEAD_BEEF, wallTime: Timestamp(seconds: 1_700_000_000),
                    expectedSources: [.init(source: 1, name: "stdin"), .init(source: 2, name: "/var/log/auth.log")])))
    ]
    var sequences: [UInt32: UInt64] = [1: 0, 2: 100]
    var time = Timestamp(seconds: 1_700_000_000).nanoseconds
    for b in 0..<batches {
        let source: UInt32 = b % 3 == 2 ? 2 : 1
        var messages: [TestMessage] = []
        for m in 0..<Int(random.next() % 12) {
            var bytes: [UInt8]
            switch (b + m) % 9 {
            case 0: bytes = Array("Oct 11 22:14:15 host sshd[\(b)]: Failed password for root from 10.0.\(b % 256).\(m) port 22 ssh2".utf8)
            case 1: bytes = (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }  // any bytes
            case 2: bytes = [0, 13, 10, 0xFF, 0xFE, 0xC3]  // NUL, CR, LF, invalid UTF-8
            case 3: bytes = []
            case 4: bytes = Array(repeating: UInt8(ascii: "x"), count: 9_000 + b)  // longer than a block
            default: bytes = Array("user\(m) session opened for \(b) ∆ é".utf8)
            }
            time += Int64(random.next() % 3_000_000_000)
            let hasTime = m % 4 != 3
            let fractional = m % 5 == 1
            messages.append(
                TestMessage(
                    bytes: bytes,
                    eventTime: hasTime
                        ? Timestamp(nanoseconds: fractional ? time + 123_456 : time / 1_000_000_000 * 1_000_000_000) : .distantPast,
                    precision: fractional ? 6 : 0, flags: m % 7 == 6 ? [.cut, .malformed] : (hasTime ? [] : [.timeNotOwn]),
                    bytesCut: m % 7 == 6 ? 12_345 : 0))
        }
        let clock =
            source == 2
            ? SourceClock(isLive: true, isListener: true, yearReference: Timestamp(seconds: 1_600_000_000), timeZone: "Europe/Paris")
            : SourceClock()
        items.append(
            .batch(
                makeBatch(
                    source: source, name: source == 2 ? "udp://127.0.0.1:5514" : "stdin", firstSequence: sequences[source]!,
                    receiveTime: Timestamp(nanoseconds: time + Int64(b)), clock: clock, messages)))
        sequences[source]! += UInt64(messages.count)
        if b % 10 == 9 { items.append(.control(.tick(Timestamp(nanoseconds: time)))) }
    }
    items.append(.control(.sourceEnd(source: 1)))
    return items
}

/// SplitMix64 (the tests' own, so that they do not depend on the shared support's details).
struct SplitMixRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func smallOptions(blockSize: Int = 4096, segmentSize: Int = 40_000) -> ArchiveOptions {
    var options = ArchiveOptions()
    options.blockSize = blockSize
    options.segmentSize = segmentSize
    options.queueBatches = 4
    return options
}

func segmentPath(_ directory: String, _ number: Int) -> String { ArchiveLayout.segmentPath(directory, number) }

/// Flips one byte of a file.
func flipByte(_ path: String, at offset: Int) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    let byte = try handle.read(upToCount: 1)![0]
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: [byte ^ 0x5A])
}

func fileSize(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
}
