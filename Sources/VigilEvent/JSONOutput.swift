/// Appends JSON text to a byte buffer. Output is always valid UTF-8: invalid input bytes become U+FFFD.
///
/// Every JSON line vigil prints (parsed events, alerts, stats) is built with these functions, so escaping
/// lives in one place.
public enum JSONOutput {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends JSON text that needs no escaping (keys, punctuation) as raw bytes: appending a String's
    /// UTF-8 view instead takes the generic per-byte path.
    @inline(__always)
    public static func appendRaw(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `bytes` as a quoted, escaped JSON string.
    public static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        let n = bytes.count
        var runStart = 0
        @inline(__always) func flush(_ upTo: Int) {
            if upTo > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<upTo])) }
        }
        while i < n {
            // Eight plain bytes (printable ASCII, no quote, no backslash) at a time: most of a message.
            while i &+ 8 <= n, isPlain(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i &+= 8 }
            guard i < n else { break }
            let b = bytes[i]
            if b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if b < 0x80 {
                flush(i)
                out.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                i += 1
                runStart = i
                continue
            }
            let length = UTF8Validation.sequenceLength(bytes, at: i)
            if length > 0 {
                i += length
            } else {
                flush(i)
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
                runStart = i
            }
        }
        flush(n)
        out.append(UInt8(ascii: "\""))
    }

    /// Whether none of the eight bytes of `word` needs escaping or UTF-8 checks: each is at least 0x20,
    /// below 0x80, and neither `"` nor `\` (exact per byte: the tests never carry between bytes).
    @inline(__always)
    static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte x < 0x80 has x + 0x60 < 0x100 and sets its high bit iff x >= 0x20.
        let atLeastSpace = (word & ~highs) &+ (ones &* 0x60)
        // Zero bytes of `word ^ c` mark bytes equal to c; x | 0x80 keeps each byte from borrowing.
        @inline(__always) func hasByte(_ c: UInt8) -> UInt64 {
            let x = word ^ (ones &* UInt64(c))
            return ~(((x & ~highs) &+ ~highs) | x) & highs
        }
        let bad = (word & highs) | (~atLeastSpace & highs) | hasByte(UInt8(ascii: "\"")) | hasByte(UInt8(ascii: "\\"))
        return bad == 0
    }

    /// Appends a Swift string as a quoted, escaped JSON string.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        var s = string
        s.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends `"key":`.
    public static func appendKey(_ key: String, to out: inout [UInt8]) {
        appendString(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// Appends an integer in decimal.
    public static func appendInteger(_ value: some BinaryInteger, to out: inout [UInt8]) {
        guard let v = Int64(exactly: value) else {
            out.append(contentsOf: String(value).utf8)
            return
        }
        withDecimal(v) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with `value` in decimal (`-` first when negative), written backwards into a stack
    /// buffer: no String per number.
    public static func withDecimal<R>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        // 19 digits and a sign at most (Int64.min).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var k = 20
            repeat {
                k -= 1
                digits[k] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                k -= 1
                digits[k] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: digits[k..<20])))
        }
    }

    /// Appends a double; non-finite values become `null` (JSON has no NaN).
    public static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            out.append(contentsOf: String(Int64(value)).utf8)
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }
}

/// UTF-8 well-formedness per Unicode Table 3-7.
public enum UTF8Validation {
    /// The length of the well-formed multi-byte sequence starting at `i`, or 0 if it is not one.
    @inlinable
    public static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
        let n = bytes.count
        let b0 = bytes[i]
        @inline(__always) func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j < n && bytes[j] >= lo && bytes[j] <= hi
        }
        switch b0 {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(i + 1) ? 2 : 0
        case 0xE0: return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0: return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3: return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: return 0
        }
    }

    /// Whether all of `bytes` is well-formed UTF-8.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 {
                i += 1
                continue
            }
            let l = sequenceLength(bytes, at: i)
            if l == 0 { return false }
            i += l
        }
        return true
    }
}
