/// Copies of arrays in memory that never moves, for read-only tables that hot paths read through plain
/// pointers (no reference counting, no uniqueness checks, no array headers).
///
/// The owner freezes its tables while it is set up, keeps the buffer pointers, and calls
/// ``release()`` once, in its `deinit`. Elements must be plain values (no references): they are freed
/// without being deinitialized.
public struct FrozenBuffers {
    private var allocations: [UnsafeMutableRawPointer] = []

    public init() {}

    /// A copy of `array` (with at least one element of capacity, so the base address is never nil).
    public mutating func freeze<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
        precondition(_isPOD(T.self), "FrozenBuffers holds plain values only")
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        allocations.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        return UnsafeBufferPointer(rebasing: buffer[0..<array.count])
    }

    /// Frees every copy. The pointers handed out are invalid afterwards.
    public func release() {
        for pointer in allocations { pointer.deallocate() }
    }
}
