/// Unicode simple case folding (CaseFolding.txt statuses C and S) over UTF-8 bytes.
///
/// Sigma compares strings case-insensitively for all of Unicode. Folding maps every scalar to one
/// scalar, so substring, prefix and suffix relations survive folding: vigil folds each rule value once
/// at load and each event value once per event, then compares bytes. ASCII takes a fast path; other
/// scalars use a table derived once from the standard library's Unicode data. Invalid UTF-8 is copied
/// through unchanged, so it can never match a folded valid sequence by accident.
enum CaseFolding {
    /// Folded scalar of a scalar (the scalar itself when it has no simple folding).
    @inline(__always)
    static func fold(scalar value: UInt32) -> UInt32 {
        if value < 0x80 {
            return value &- 0x41 < 26 ? value | 0x20 : value
        }
        return FoldTable.shared.fold(value)
    }

    /// Room the folding of `count` bytes needs at most: a folded scalar may take one byte more than
    /// the original (U+023A, two bytes, folds to U+2C65, three), so 3/2 of the input.
    @inline(__always)
    static func foldedCapacity(_ count: Int) -> Int { count + count / 2 + 4 }

    /// Writes the simple case folding of the UTF-8 bytes `source[0 ..< count]` to `out`, which has room
    /// for ``foldedCapacity(_:)`` bytes, and returns the number of bytes written. ASCII runs are folded
    /// eight bytes at a time; invalid UTF-8 is copied through.
    static func fold(_ source: UnsafePointer<UInt8>, count n: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var out = out
        let start = out
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    UnsafeMutableRawPointer(out).storeBytes(of: lowercaseASCII(word), as: UInt64.self)
                    out += 8
                    i += 8
                    continue
                }
            }
            let b = source[i]
            if b < 0x80 {
                out.pointee = b &- 0x41 < 26 ? b | 0x20 : b
                out += 1
                i += 1
                continue
            }
            let (scalar, length) = decode(source + i, n - i)
            if length == 0 {
                out.pointee = b
                out += 1
                i += 1
                continue
            }
            out += encode(fold(scalar: scalar), to: out)
            i += length
        }
        return out - start
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

    /// The folded UTF-8 of a string (load time).
    static func fold(_ text: String) -> [UInt8] {
        fold(bytes: Array(text.utf8))
    }

    /// The folded form of UTF-8 bytes (load time).
    static func fold(bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { SigmaCaseFolding.appendFolded($0, to: &out) }
        return out
    }
}

/// Simple case folding for non-ASCII scalars: a direct table for the Basic Multilingual Plane and a
/// sorted list for the few supplementary-plane scripts with case.
final class FoldTable: Sendable {
    static let shared = FoldTable()

    /// For BMP scalars: the folded scalar, or 0 when it folds to itself.
    private let bmp: [UInt16]
    private let supplementary: [(from: UInt32, to: UInt32)]

    private init() {
        var bmp = [UInt16](repeating: 0, count: 0x10000)
        var supplementary: [(UInt32, UInt32)] = []
        for (from, to) in FoldTable.derivePairs() {
            if from < 0x10000 && to < 0x10000 {
                bmp[Int(from)] = UInt16(to)
            } else {
                supplementary.append((from, to))
            }
        }
        self.bmp = bmp
        self.supplementary = supplementary.sorted { $0.0 < $1.0 }
    }

    func fold(_ value: UInt32) -> UInt32 {
        if value < 0x10000 {
            let f = bmp[Int(value)]
            return f == 0 ? value : UInt32(f)
        }
        var low = 0
        var high = supplementary.count
        while low < high {
            let mid = (low + high) / 2
            let entry = supplementary[mid]
            if entry.from == value { return entry.to }
            if entry.from < value { low = mid + 1 } else { high = mid }
        }
        return value
    }

    /// Derives (scalar, simple folding) pairs from the standard library's case properties.
    ///
    /// The standard library exposes full mappings only; simple folding is the single-scalar lowercase
    /// mapping, or, where lowercasing keeps the scalar (final sigma, long s, Cherokee small letters),
    /// the lowercase of its single-scalar uppercase, or the uppercase itself (Cherokee folds upward).
    /// Scalars whose only folding is a full (multi-scalar) one, such as U+0130 and U+00DF, stay as
    /// they are, as simple folding requires.
    static func derivePairs() -> [(UInt32, UInt32)] {
        func single(_ text: String) -> Unicode.Scalar? {
            let scalars = text.unicodeScalars
            return scalars.count == 1 ? scalars.first : nil
        }
        var pairs: [(UInt32, UInt32)] = []
        for value in UInt32(0x80)...UInt32(0x1_FFFF) {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseFolded else { continue }
            var folded = scalar
            if let lower = single(scalar.properties.lowercaseMapping), lower != scalar {
                folded = lower
            } else if let upper = single(scalar.properties.uppercaseMapping) {
                if let lower = single(upper.properties.lowercaseMapping), lower != scalar {
                    folded = lower
                } else {
                    folded = upper
                }
            }
            if folded != scalar { pairs.append((value, folded.value)) }
        }
        return pairs
    }
}

/// Sigma's case-insensitive comparison (Unicode simple case folding, as ``Detector`` compares values),
/// for stages that must treat values as detection does: correlation folds group-by values and
/// `value_count` values with it, so `ΣΊΣΥΦΟΣ` and `σίσυφος` are one group there too.
public enum SigmaCaseFolding {
    /// Appends the simple case folding of the UTF-8 `bytes` to `out`; invalid UTF-8 is copied through.
    public static func appendFolded(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let n = bytes.count
        guard n > 0, let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let start = out.count
        let room = CaseFolding.foldedCapacity(n)
        out.append(contentsOf: repeatElement(0, count: room))
        let written = out.withUnsafeMutableBufferPointer { CaseFolding.fold(source, count: n, to: $0.baseAddress! + start) }
        out.removeLast(room - written)
    }
}
