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
    ///
    /// ASCII runs are folded eight bytes at a time; a folded scalar may take up to one byte more than
    /// the original (U+023A folds to U+2C65), hence the reserve of 3/2 of the input.
    func appendFolded(_ source: UnsafeRawBufferPointer) -> Range<Int> {
        let n = source.count
        reserve(n + n / 2 + 4)
        let start = count
        guard n > 0, let src = source.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return start..<start }
        var out = base + count
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    UnsafeMutableRawPointer(out).storeBytes(of: ByteArena.lowercaseASCII(word), as: UInt64.self)
                    out += 8
                    i += 8
                    continue
                }
            }
            let b = src[i]
            if b < 0x80 {
                out.pointee = b &- 0x41 < 26 ? b | 0x20 : b
                out += 1
                i += 1
                continue
            }
            let (scalar, length) = ByteArena.decode(src + i, n - i)
            if length == 0 {
                out.pointee = b
                out += 1
                i += 1
                continue
            }
            out += ByteArena.encode(CaseFolding.fold(scalar: scalar), to: out)
            i += length
        }
        count = out - base
        return start..<count
    }

    /// Lowercases the eight ASCII bytes of a word (no byte has its high bit set).
    @inline(__always)
    static func lowercaseASCII(_ word: UInt64) -> UInt64 {
        let aboveA = word &+ 0x3F3F_3F3F_3F3F_3F3F  // high bit set where byte >= 'A' (0x41)
        let aboveZ = word &+ 0x2525_2525_2525_2525  // high bit set where byte > 'Z' (0x5A)
        let upper = aboveA & ~aboveZ & 0x8080_8080_8080_8080
        return word | (upper >> 2)
    }

    /// Decodes one UTF-8 scalar; length 0 when the bytes are not a valid sequence.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ available: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[0])
        if b0 < 0xC2 { return (0, 0) }
        if b0 < 0xE0 {
            guard available >= 2, p[1] & 0xC0 == 0x80 else { return (0, 0) }
            return ((b0 & 0x1F) << 6 | UInt32(p[1] & 0x3F), 2)
        }
        if b0 < 0xF0 {
            guard available >= 3, p[1] & 0xC0 == 0x80, p[2] & 0xC0 == 0x80 else { return (0, 0) }
            let v = (b0 & 0x0F) << 12 | UInt32(p[1] & 0x3F) << 6 | UInt32(p[2] & 0x3F)
            if v < 0x800 || (v >= 0xD800 && v < 0xE000) { return (0, 0) }
            return (v, 3)
        }
        if b0 < 0xF5 {
            guard available >= 4, p[1] & 0xC0 == 0x80, p[2] & 0xC0 == 0x80, p[3] & 0xC0 == 0x80 else { return (0, 0) }
            let v = (b0 & 0x07) << 18 | UInt32(p[1] & 0x3F) << 12 | UInt32(p[2] & 0x3F) << 6 | UInt32(p[3] & 0x3F)
            if v < 0x10000 || v > 0x10FFFF { return (0, 0) }
            return (v, 4)
        }
        return (0, 0)
    }

    /// Encodes a scalar as UTF-8 at `out`; returns the byte count.
    @inline(__always)
    static func encode(_ v: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 0x80 {
            out[0] = UInt8(v)
            return 1
        }
        if v < 0x800 {
            out[0] = UInt8(0xC0 | v >> 6)
            out[1] = UInt8(0x80 | v & 0x3F)
            return 2
        }
        if v < 0x10000 {
            out[0] = UInt8(0xE0 | v >> 12)
            out[1] = UInt8(0x80 | (v >> 6) & 0x3F)
            out[2] = UInt8(0x80 | v & 0x3F)
            return 3
        }
        out[0] = UInt8(0xF0 | v >> 18)
        out[1] = UInt8(0x80 | (v >> 12) & 0x3F)
        out[2] = UInt8(0x80 | (v >> 6) & 0x3F)
        out[3] = UInt8(0x80 | v & 0x3F)
        return 4
    }
}
