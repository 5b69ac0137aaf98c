/// A half-open range of byte offsets into a batch's byte buffer.
///
/// Events never own their text: host, app, message and field values are `ByteRange`s into the
/// ``EventBatch/bytes`` of the batch they travel in. 32-bit offsets keep ``Field`` and ``Event`` small;
/// a batch is far below 4 GiB.
public struct ByteRange: Hashable, Sendable {
    public var start: UInt32
    public var end: UInt32

    @inlinable
    public init(start: Int, end: Int) {
        self.start = UInt32(truncatingIfNeeded: start)
        self.end = UInt32(truncatingIfNeeded: end)
    }

    @inlinable
    public init(start: UInt32, end: UInt32) {
        self.start = start
        self.end = end
    }

    @inlinable
    public init(start: Int, count: Int) {
        self.init(start: start, end: start + count)
    }

    @inlinable public var count: Int { Int(end &- start) }
    @inlinable public var isEmpty: Bool { end <= start }
    @inlinable public var lowerBound: Int { Int(start) }
    @inlinable public var upperBound: Int { Int(end) }
    @inlinable public var range: Range<Int> { Int(start)..<Int(end) }

    /// The sub-range `[start + from, start + to)`, both relative to this range's start.
    @inlinable
    public func slice(from: Int, to: Int) -> ByteRange {
        ByteRange(start: Int(start) + from, end: Int(start) + to)
    }

    public static let empty = ByteRange(start: UInt32(0), end: UInt32(0))
}
