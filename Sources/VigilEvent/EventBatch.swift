/// Parsed events of one ``RawBatch``, with the bytes they refer to.
///
/// The batch owns one growable byte buffer: the raw input first, then any bytes a stage derives
/// (unescaped JSON strings, decoder constants), appended with ``append(bytes:)``. All ``ByteRange``s of
/// its events and fields index into that buffer. A batch is a value: a stage owns it while working on it
/// and hands it on; no two threads share one.
public struct EventBatch: Sendable {
    public var source: SourceID
    public var receiveTime: Timestamp
    /// The source's relation to the wall clock, from the ``RawBatch``.
    public var clock: SourceClock = SourceClock()
    public var bytes: [UInt8]
    public var events: [Event]
    public var fields: [Field]

    public init(source: SourceID, receiveTime: Timestamp, bytes: [UInt8], events: [Event] = [], fields: [Field] = []) {
        self.source = source
        self.receiveTime = receiveTime
        self.bytes = bytes
        self.events = events
        self.fields = fields
    }

    // MARK: Reading text

    /// The text of a range as a String (allocates: for output and tests, not per-event hot paths).
    public func string(_ range: ByteRange) -> String {
        bytes.withUnsafeBytes { buffer in
            String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range.range]), as: UTF8.self)
        }
    }

    /// The text of an optional range, or nil.
    public func string(_ range: ByteRange?) -> String? {
        range.map { string($0) }
    }

    /// Calls `body` with the bytes of a range, without copying.
    @inlinable
    public func withBytes<R>(_ range: ByteRange, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { buffer in
            try body(UnsafeRawBufferPointer(rebasing: buffer[range.range]))
        }
    }

    /// Whether the bytes of `range` equal `literal` exactly.
    @inlinable
    public func equals(_ range: ByteRange, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return withBytes(range) { b in
            let l = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            return b.elementsEqual(l)
        }
    }

    // MARK: Deriving bytes and fields

    /// Appends bytes to the batch buffer and returns their range.
    @inlinable
    @discardableResult
    public mutating func append(bytes new: some Collection<UInt8>) -> ByteRange {
        let start = bytes.count
        bytes.append(contentsOf: new)
        return ByteRange(start: start, end: bytes.count)
    }

    /// Appends the UTF-8 of a string to the batch buffer and returns its range.
    @discardableResult
    public mutating func append(string: String) -> ByteRange {
        append(bytes: string.utf8)
    }

    /// Appends fields and returns the span they occupy.
    @inlinable
    public mutating func appendFields(_ new: some Collection<Field>) -> FieldSpan {
        let start = fields.count
        fields.append(contentsOf: new)
        return FieldSpan(start: start, count: fields.count - start)
    }

    // MARK: Field lookup

    /// The first field named `name` among an event's parsed and decoded fields (decoded first: a decoder
    /// refines what the parser found).
    @inlinable
    public func field(_ name: Symbol, of event: Event) -> Field? {
        for i in event.decodedFields.range where fields[i].name == name { return fields[i] }
        for i in event.fields.range where fields[i].name == name { return fields[i] }
        return nil
    }

    /// Calls `body` for every field named `name` (several for JSON arrays); stops when `body` returns false.
    @inlinable
    public func forEachField(_ name: Symbol, of event: Event, _ body: (Field) throws -> Bool) rethrows {
        for i in event.decodedFields.range where fields[i].name == name {
            if try !body(fields[i]) { return }
        }
        for i in event.fields.range where fields[i].name == name {
            if try !body(fields[i]) { return }
        }
    }

    /// All fields of an event, parsed then decoded.
    public func allFields(of event: Event) -> [Field] {
        Array(fields[event.fields.range]) + Array(fields[event.decodedFields.range])
    }
}
