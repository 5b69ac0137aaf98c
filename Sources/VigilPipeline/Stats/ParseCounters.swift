import VigilEvent

/// Events by format and parse failures by reason: the parse stage's own counters.
///
/// Fixed arrays indexed by the enums' raw values, so counting a batch is a loop of increments.
public struct ParseCounters: Sendable, Hashable {
    /// Indexed by ``EventFormat/rawValue``.
    public private(set) var byFormat: [UInt64]
    /// Indexed by ``ParseFailure/Reason/rawValue``.
    public private(set) var failures: [UInt64]

    public init() {
        byFormat = Array(repeating: 0, count: EventFormat.allCases.count)
        failures = Array(repeating: 0, count: ParseFailure.Reason.allCases.count)
    }

    /// Counts every event of a parsed batch and returns its largest event time
    /// (``Timestamp/distantPast`` for an empty batch).
    ///
    /// One pass through the events by pointer, reading single fields: iterating `batch.events` by
    /// value would copy each (large) `Event` on the way.
    @discardableResult
    public mutating func count(_ batch: EventBatch) -> Timestamp {
        var maxTime = Timestamp.distantPast
        byFormat.withUnsafeMutableBufferPointer { formats in
            failures.withUnsafeMutableBufferPointer { reasons in
                batch.events.withUnsafeBufferPointer { events in
                    for i in events.indices {
                        formats[Int(events[i].format.rawValue)] &+= 1
                        if let failure = events[i].parseFailure { reasons[Int(failure.reason.rawValue)] &+= 1 }
                        let time = events[i].time
                        if time > maxTime { maxTime = time }
                    }
                }
            }
        }
        return maxTime
    }

    public mutating func merge(_ other: ParseCounters) {
        for i in byFormat.indices { byFormat[i] += other.byFormat[i] }
        for i in failures.indices { failures[i] += other.failures[i] }
    }

    public func events(in format: EventFormat) -> UInt64 { byFormat[Int(format.rawValue)] }
    public func failures(for reason: ParseFailure.Reason) -> UInt64 { failures[Int(reason.rawValue)] }
    public var events: UInt64 { byFormat.reduce(0, +) }
    public var failuresTotal: UInt64 { failures.reduce(0, +) }
}
