import VigilEvent

/// Turns a ``RawBatch`` into an ``EventBatch``: one parse worker's state (symbol cache, zone offsets,
/// scratch buffers).
///
/// Not `Sendable`: each worker owns one. The raw bytes move into the event batch without a copy (pass
/// the batch as the last use of its value); bytes derived while parsing (unescaped strings) are appended
/// after them. Every message becomes exactly one event, in order: a message that fails to parse, or that
/// the framer flagged, becomes ``EventFormat/raw`` with a ``ParseFailure``; an empty one fails with
/// `empty_message`. A trailing CR (CRLF line ends) is no part of the message.
public struct BatchParser {
    /// The options this parser was made with.
    public let options: ParserOptions
    var parser: EventParser

    /// A parser for one worker. An unknown ``ParserOptions/timeZone`` falls back to UTC (check it first
    /// with ``ParserOptions/validate()``).
    public init(options: ParserOptions = ParserOptions()) {
        self.options = options
        parser = EventParser(options: options)
    }

    /// Parses every message of `raw`.
    public mutating func parse(_ raw: consuming RawBatch) -> EventBatch {
        var bytes: [UInt8] = []
        swap(&bytes, &raw.bytes)
        let count = raw.messages.count
        let totalBytes = bytes.count
        var events: [Event] = []
        events.reserveCapacity(count)
        parser.beginBatch(yearReference: raw.clock.yearReference ?? raw.receiveTime, timeZone: raw.clock.timeZone, rawByteCount: totalBytes)
        var nextFraming = 0
        let framing = raw.framingFailures
        bytes.withUnsafeBufferPointer { buffer in
            for index in 0..<count {
                let range = raw.messages[index]
                let start = min(range.lowerBound, totalBytes)
                var end = min(max(range.upperBound, start), totalBytes)
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let message = ByteRange(start: start, end: end)
                var event = Event(
                    source: raw.source, sequence: raw.firstSequence &+ UInt64(index), receiveTime: raw.receiveTime, raw: message)
                while nextFraming < framing.count && framing[nextFraming].index < index { nextFraming += 1 }
                if nextFraming < framing.count && framing[nextFraming].index == index {
                    EventParser.makeRaw(&event, message: message, failure: framing[nextFraming].failure)
                } else if end == start {
                    EventParser.makeRaw(&event, message: message, failure: ParseFailure(.emptyMessage, at: 0))
                } else {
                    let m = MessageBytes(base: buffer.baseAddress! + start, count: end - start, offset: start)
                    parser.parse(m, into: &event)
                }
                events.append(event)
            }
        }
        if !parser.derived.isEmpty { bytes.append(contentsOf: parser.derived) }
        var batch = EventBatch(source: raw.source, receiveTime: raw.receiveTime, bytes: bytes, events: events, fields: parser.takeFields())
        batch.clock = raw.clock
        return batch
    }
}
