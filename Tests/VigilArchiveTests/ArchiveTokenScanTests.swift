import Testing
import VigilEvent

@testable import VigilArchive

/// The writer's hand-written token scanner (``ArchiveTokens``) against a plain reading of the token rules,
/// and its fast paths (hashes while scanning, Bloom positions without a division per hash) against the
/// plain ones.
@Suite("Archive token scanner")
struct ArchiveTokenScanTests {
    /// A byte-at-a-time reading of the rules in ``ArchiveTokens``' documentation, kept simple on purpose.
    static func referenceTokens(_ message: [UInt8]) -> [[UInt8]] {
        func isWord(_ b: UInt8) -> Bool { b == 0x5f || (0x30...0x39).contains(b) || (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) }
        func isHex(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }
        func isAddress(_ b: UInt8) -> Bool { isHex(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") }
        func startsRun(_ i: Int) -> Bool { i == 0 || !(isWord(message[i - 1]) || isAddress(message[i - 1])) }
        func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
            let groups = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            return groups.count == 4 && groups.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { (0x30...0x39).contains($0) } }
        }
        var result: [[UInt8]] = []
        func addresses(_ start: Int) {
            var end = start
            while end < message.count && isAddress(message[end]) { end += 1 }
            if end < message.count && isWord(message[end]) { return }
            var trimmed = end
            while trimmed > start && message[trimmed - 1] == UInt8(ascii: ".") { trimmed -= 1 }
            let colons = message[start..<end].filter { $0 == UInt8(ascii: ":") }.count
            if colons >= 2 {
                if trimmed - start >= 2 && message[trimmed - 1] == UInt8(ascii: ":") && message[trimmed - 2] != UInt8(ascii: ":") {
                    trimmed -= 1
                }
                if message[start..<trimmed].filter({ $0 == UInt8(ascii: ":") }).count >= 2 {
                    result.append(Array(message[start..<trimmed]))
                }
                return
            }
            guard message[start] != UInt8(ascii: ":") else { return }
            var quadEnd = trimmed
            if let colon = message[start..<trimmed].firstIndex(of: UInt8(ascii: ":")) {
                let port = message[(colon + 1)..<trimmed]
                guard !port.isEmpty, port.allSatisfy({ (0x30...0x39).contains($0) }) else { return }
                quadEnd = colon
            }
            if isIPv4(message[start..<quadEnd]) { result.append(Array(message[start..<quadEnd])) }
        }
        var i = 0
        while i < message.count {
            if isWord(message[i]) {
                var end = i + 1
                while end < message.count && isWord(message[end]) { end += 1 }
                result.append(Array(message[i..<end]))
                if isHex(message[i]) && startsRun(i) { addresses(i) }
                i = end
            } else {
                if message[i] == UInt8(ascii: ":") && startsRun(i) { addresses(i) }
                i += 1
            }
        }
        return result
    }

    /// Short random messages over the bytes that matter to the rules: every corner of them comes up.
    static func randomMessages(_ count: Int) -> [[UInt8]] {
        var generator = SplitMix(seed: 7)
        let alphabet = Array("a1f9:.x -[]Z_\n0".utf8) + [0xc3, 0xff]
        return (0..<count).map { _ in
            (0..<Int(generator.next() % 16)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        }
    }

    @Test("the scanner finds the tokens the rules give")
    func scannerMatchesRules() {
        for message in Self.randomMessages(100_000) + [Array("Mar  1 00:00:12 k8s kernel: MAC=52:54:00:4a SRC=93.11.191.184:80.".utf8)] {
            #expect(ArchiveTokens.tokens(of: message) == Self.referenceTokens(message), "\(message)")
        }
    }

    @Test("hashes made while scanning are the tokens' hashes")
    func hashesWhileScanning() {
        for message in Self.randomMessages(20_000) {
            message.withUnsafeBytes { bytes in
                var plain: [UInt64] = []
                ArchiveTokens.forEach(in: bytes) { plain.append(ArchiveTokenHash.hash($0)) }
                var fast: [UInt64] = []
                ArchiveTokens.forEachHash(in: bytes) { fast.append($0) }
                #expect(fast == plain)
            }
        }
    }

    @Test("a filter built from a hash set sets the bits of one built hash by hash", arguments: [1, 7, 300, 5_000])
    func bloomPositions(_ count: Int) {
        var generator = SplitMix(seed: UInt64(count))
        var set = TokenHashSet()
        var reference = BloomFilter(words: [], hashCount: BloomFilter.defaultHashCount)
        var hashes: [UInt64] = []
        for _ in 0..<count { hashes.append(generator.next() | 1) }
        // Hashes near 2^64 make `h1 + i * h2` wrap, the case the fast path must get right.
        hashes += [.max, .max - 12_345, 1 << 63]
        for hash in hashes { set.insert(hash) }
        let built = BloomFilter(hashes: set)
        reference.words = [UInt64](repeating: 0, count: built.words.count)
        for hash in hashes { reference.insert(hash) }
        #expect(built == reference)
        #expect(hashes.allSatisfy { built.mayContain($0) })
    }
}

/// SplitMix64: a seeded generator, so that a failure repeats.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
