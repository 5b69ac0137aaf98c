/// Group keys: the group-by values of one detection, case-folded and joined into one String, with a
/// stable 64-bit hash that picks the shard and the hash-table bucket.
///
/// One String per group (not one per field) keeps per-group memory small: keys up to 15 UTF-8 bytes,
/// such as IPv4 addresses, are stored inline in the String without a heap allocation.
enum GroupKey {
    /// Separates values inside a key (ASCII unit separator: never part of a field value we care about).
    static let separator: Character = "\u{1F}"
    static let separatorByte: UInt8 = 0x1F

    /// Sigma compares values case-insensitively, so `Bob` and `bob` are one group and one distinct value.
    static func fold(_ value: String) -> String {
        var needsFolding = false
        for byte in value.utf8 where byte >= 0x80 || (byte >= 0x41 && byte <= 0x5A) {
            needsFolding = true
            break
        }
        return needsFolding ? value.lowercased() : value
    }

    /// Appends the folded form of a value given as bytes: the UTF-8 of
    /// `fold(String(decoding: bytes, as: UTF8.self))`, without making a String for ASCII text.
    static func appendFolded(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if bytes.contains(where: { $0 >= 0x80 }) {
            out.append(contentsOf: String(decoding: bytes, as: UTF8.self).lowercased().utf8)
            return
        }
        for byte in bytes { out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
    }

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
    static func hash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return mix(h)
    }

    /// ``hash(_:)`` of a key given as its UTF-8 bytes.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return mix(h)
    }

    /// MurmurHash3's 64-bit finalizer.
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}
