/// A growable byte buffer owned by one worker: folded event values and other per-event derived bytes.
///
/// Ranges into it are offsets, never pointers, because appending may move the storage. Resetting is
/// setting the count to zero, so a worker reuses the same memory for every event.
final class ByteArena {
    // Owned by one worker: dynamic exclusivity checks would only cost time.
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private(set) var capacity: Int

    init(capacity: Int = 64 * 1024) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    @inline(__always)
    func reset() { count = 0 }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends raw bytes and returns their range.
    func append(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        reserve(bytes.count)
        let start = count
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + start).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        count += bytes.count
        return start..<count
    }

    /// Appends the decimal digits of `value` and returns their range.
    func appendDecimal(_ value: Int) -> Range<Int> {
        reserve(24)
        let start = count
        var v = value
        if v < 0 {
            base[count] = UInt8(ascii: "-")
            count += 1
            v = -v
        }
        let digitsStart = count
        repeat {
            base[count] = UInt8(truncatingIfNeeded: v % 10) + 0x30
            count += 1
            v /= 10
        } while v > 0
        var low = digitsStart
        var high = count - 1
        while low < high {
            let t = base[low]
            base[low] = base[high]
            base[high] = t
            low += 1
            high -= 1
        }
        return start..<count
    }

    /// The bytes of a range.
    @inline(__always)
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Appends the simple case folding of UTF-8 `source` and returns the folded range.
    func appendFolded(_ source: UnsafeRawBufferPointer) -> Range<Int> {
        let n = source.count
        reserve(CaseFolding.foldedCapacity(n))
        let start = count
        guard n > 0, let src = source.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return start..<start }
        count += CaseFolding.fold(src, count: n, to: base + count)
        return start..<count
    }
}
