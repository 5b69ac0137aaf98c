/// A Bloom filter over 64-bit token hashes: `k` bit positions from two hashes (`h1 + i * h2`, after
/// Kirsch and Mitzenmacher), sized for about 1 % false positives.
struct BloomFilter: Equatable {
    var words: [UInt64]
    var hashCount: Int

    /// 1 % false positives: m/n = -ln(0.01) / ln(2)^2 ≈ 9.59 bits per element, k = 7.
    static let bitsPerElement = 9.585
    static let defaultHashCount = 7

    init(words: [UInt64], hashCount: Int) {
        self.words = words
        self.hashCount = hashCount
    }

    /// A filter holding `hashes`, sized for their number.
    init(hashes: TokenHashSet) {
        let bits = max(64, Int((Double(hashes.count) * Self.bitsPerElement).rounded(.up)))
        words = [UInt64](repeating: 0, count: (bits + 63) / 64)
        hashCount = Self.defaultHashCount
        hashes.forEach { insert($0) }
    }

    var bitCount: Int { words.count * 64 }

    @inline(__always) private func positions(_ hash: UInt64, _ body: (Int) -> Void) {
        let h1 = hash
        let h2 = (hash ^ 0x9e37_79b9_7f4a_7c15).multipliedFullWidth(by: 0xbf58_476d_1ce4_e5b9).high | 1
        let m = UInt64(bitCount)
        for i in 0..<UInt64(hashCount) { body(Int((h1 &+ i &* h2) % m)) }
    }

    mutating func insert(_ hash: UInt64) {
        positions(hash) { words[$0 >> 6] |= 1 << UInt64($0 & 63) }
    }

    func mayContain(_ hash: UInt64) -> Bool {
        guard !words.isEmpty else { return true }
        var all = true
        positions(hash) { if words[$0 >> 6] & (1 << UInt64($0 & 63)) == 0 { all = false } }
        return all
    }
}
