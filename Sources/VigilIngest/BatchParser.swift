import VigilEvent

/// Turns a ``RawBatch`` into an ``EventBatch``: one parse worker's state (symbol cache, scratch).
///
/// Not `Sendable`: each worker owns one. The raw bytes move into the event batch without a copy.
public struct BatchParser {
    public let options: ParserOptions

    public init(options: ParserOptions = ParserOptions()) {
        self.options = options
    }

    /// Parses every message of `raw`.
    public mutating func parse(_ raw: RawBatch) -> EventBatch {
        // Placeholder until the parsers land: every message becomes a raw event.
        var batch = EventBatch(source: raw.source, receiveTime: raw.receiveTime, bytes: raw.bytes)
        batch.events.reserveCapacity(raw.messages.count)
        for (i, range) in raw.messages.enumerated() {
            var event = Event(source: raw.source, sequence: raw.firstSequence + UInt64(i), receiveTime: raw.receiveTime, raw: range)
            event.message = range
            batch.events.append(event)
        }
        return batch
    }
}
