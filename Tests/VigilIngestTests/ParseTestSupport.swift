import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// A receive time used by tests that do not care about it: 2024-06-15T12:00:00Z.
let testReceiveTime = Timestamp(CivilTime(year: 2024, month: 6, day: 15, hour: 12))

/// Packs messages into one raw batch, the way a reader would.
func rawBatch(_ messages: [[UInt8]], receiveTime: Timestamp = testReceiveTime) -> RawBatch {
    var bytes: [UInt8] = []
    var ranges: [ByteRange] = []
    for message in messages {
        let start = bytes.count
        bytes.append(contentsOf: message)
        ranges.append(ByteRange(start: start, end: bytes.count))
        bytes.append(0x0A)
    }
    return RawBatch(source: SourceID(1), firstSequence: 0, receiveTime: receiveTime, bytes: bytes, messages: ranges)
}

/// Parses each string as one message.
func parse(_ lines: [String], options: ParserOptions = ParserOptions(), receiveTime: Timestamp = testReceiveTime) -> EventBatch {
    var parser = BatchParser(options: options)
    return parser.parse(rawBatch(lines.map { Array($0.utf8) }, receiveTime: receiveTime))
}

/// Parses one message and returns its batch and event.
func parseOne(_ line: String, options: ParserOptions = ParserOptions(), receiveTime: Timestamp = testReceiveTime) -> (EventBatch, Event) {
    let batch = parse([line], options: options, receiveTime: receiveTime)
    return (batch, batch.events[0])
}

extension EventBatch {
    /// Every parsed field of an event as (name, value) strings, in order.
    func fieldPairs(of event: Event) -> [(String, String)] {
        fields[event.fields.range].map { ($0.name.name, string($0.value)) }
    }

    /// The values of a parsed field, by name.
    func values(_ name: String, of event: Event) -> [String] {
        fields[event.fields.range].filter { $0.name.name == name }.map { string($0.value) }
    }
}

/// Lines (split at LF, CR kept) of a file under the shared data, without the final empty line.
func sharedLines(_ path: String) throws -> [[UInt8]] {
    splitLines(try Data(contentsOf: TestPaths.shared(path)))
}

/// The output of a decompressing command (`gzip -dc`, `unzip -p`) run on a shared data file.
func decompressedShared(_ tool: String, _ arguments: [String], _ path: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments + [TestPaths.shared(path).path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(tool) \(path)")
    return data
}

/// Splits bytes into lines (LF), dropping a final empty line.
func splitLines(_ data: Data) -> [[UInt8]] {
    var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines
}
