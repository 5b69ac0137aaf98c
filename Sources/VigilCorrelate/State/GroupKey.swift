import VigilDetect
import VigilEvent

/// Group keys: the group-by values of one detection, case-folded and joined into one String, with a
/// stable 64-bit hash that picks the shard and the hash-table bucket.
///
/// One String per group (not one per field) keeps per-group memory small: keys up to 15 UTF-8 bytes,
/// such as IPv4 addresses, are stored inline in the String without a heap allocation.
enum GroupKey {
    /// Separates values inside a key (ASCII unit separator: never part of a field value we care about).
    static let separator: Character = "\u{1F}"
    static let separatorByte: UInt8 = 0x1F

    /// Appends the folded form of a value: Sigma compares values case-insensitively (simple case
    /// folding, as detection does), so `Bob` and `bob`, `ΣΊΣΥΦΟΣ` and `σίσυφος` are one group and one
    /// distinct value.
    static func appendFolded(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        SigmaCaseFolding.appendFolded(bytes, to: &out)
    }

    /// The most bytes of one group-by or distinct value that state keeps as it is.
    static let maxStoredValueBytes = 256
    /// Kept of a longer value, before the marker and its digest (the alert shows this prefix).
    static let storedPrefixBytes = 200

    /// Appends the folded form of a value, bounded: a folded value longer than ``maxStoredValueBytes``
    /// is kept as its first ``storedPrefixBytes`` bytes, `…#` and the hex of a 128-bit digest of the
    /// whole folded value (``KeyDigest``). Two long values are one group only if their whole folded
    /// forms are equal (up to a 2^-128 chance). Returns whether the value was shortened.
    ///
    /// A sender controls these values: 8,000 sudo lines with 60 KB user names took 499 MB of
    /// correlation state before (about 6 GB per rule at the default group limit).
    @discardableResult
    static func appendBounded(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        let start = out.count
        SigmaCaseFolding.appendFolded(bytes, to: &out)
        guard out.count - start > maxStoredValueBytes else { return false }
        let digest = out.withUnsafeBytes { KeyDigest.digest(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        // Cut at a character boundary, so the prefix stays valid UTF-8 when the value was.
        var cut = start + storedPrefixBytes
        while cut > start && out[cut] & 0xC0 == 0x80 { cut -= 1 }
        out.removeSubrange(cut...)
        out.append(contentsOf: [0xE2, 0x80, 0xA6, UInt8(ascii: "#")])  // "…#"
        for word in [digest.0, digest.1] {
            for shift in stride(from: 60, through: 0, by: -4) {
                out.append(hexDigits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return true
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The key text for folded values.
    static func join(_ values: [String]) -> String {
        values.count == 1 ? values[0] : values.joined(separator: String(separator))
    }

    /// The individual values of a key, for output.
    static func split(_ key: String, count: Int) -> [String] {
        if count <= 1 { return [key] }
        return key.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }

    /// FNV-1a over the UTF-8 bytes with a final avalanche, so that `hash % shards` spreads well. Stable
    /// across runs and machines (unlike `Hasher`, which is seeded per process).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        mix(FNV1a.hash(bytes))
    }

    /// ``hash(_:)`` of a key given as a String.
    static func hash(_ key: String) -> UInt64 {
        mix(FNV1a.hash(key.utf8))
    }

    /// ``hash(_:)`` of `key`, the separator and `number` in decimal (a chained input's identity: the
    /// child group and window start), without building that String.
    static func hash(_ key: String, then number: Int64) -> UInt64 {
        let h = FNV1a.hash(CollectionOfOne(separatorByte), seed: FNV1a.hash(key.utf8))
        return mix(JSONOutput.withDecimal(number) { FNV1a.hash($0, seed: h) })
    }

    /// MurmurHash3's 64-bit finalizer (``FNV1a/mix(_:)``).
    static func mix(_ value: UInt64) -> UInt64 { FNV1a.mix(value) }
}
