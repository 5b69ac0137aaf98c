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

    /// The folded UTF-8 of a string (load time).
    static func fold(_ text: String) -> [UInt8] {
        fold(bytes: Array(text.utf8))
    }

    /// The folded form of UTF-8 bytes (load time).
    static func fold(bytes: [UInt8]) -> [UInt8] {
        let arena = ByteArena(capacity: bytes.count * 2 + 16)
        let range = bytes.withUnsafeBytes { arena.appendFolded($0) }
        return Array(UnsafeRawBufferPointer(start: arena.base + range.lowerBound, count: range.count))
    }

    /// Whether two byte strings are equal after folding (load time and tests).
    static func equalFolded(_ a: String, _ b: String) -> Bool {
        fold(a) == fold(b)
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
