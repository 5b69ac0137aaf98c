import Foundation

/// A set of literals searched in one pass over a text: every literal is anchored at its least common
/// byte pair, a 64 Ki-bit bitmap of anchor pairs rejects almost every position with one load, and the
/// few hits are verified with a byte comparison.
///
/// One-byte literals use a 256-entry table. The set is immutable and shared by all workers.
struct LiteralSet: Sendable {
    private struct Literal: Sendable {
        var start: Int32
        var length: Int32
        /// Offset of the anchor pair inside the literal.
        var anchor: Int32
    }

    private var bytes: [UInt8] = []
    private var literals: [Literal] = []
    private var pairBits = [UInt64](repeating: 0, count: 1024)
    /// Open addressing on pair + 1 (0 = empty); ranges into `entries`.
    private var slotKeys: [UInt32] = []
    private var slotStart: [Int32] = []
    private var slotCount: [Int32] = []
    private var entries: [Int32] = []
    private var singleStart = [Int32](repeating: 0, count: 257)
    private var singleEntries: [Int32] = []
    private(set) var hasSingles = false

    var count: Int { literals.count }

    /// Builds the set; literal `i` of `list` is reported as `i`.
    init(_ list: [[UInt8]]) {
        var byPair: [UInt16: [Int32]] = [:]
        var singles = [[Int32]](repeating: [], count: 256)
        for (index, literal) in list.enumerated() {
            let start = Int32(bytes.count)
            bytes.append(contentsOf: literal)
            if literal.count == 1 {
                singles[Int(literal[0])].append(Int32(index))
                hasSingles = true
                literals.append(Literal(start: start, length: 1, anchor: 0))
                continue
            }
            let anchor = LiteralSet.bestAnchor(literal)
            literals.append(Literal(start: start, length: Int32(literal.count), anchor: Int32(anchor)))
            let pair = UInt16(literal[anchor]) << 8 | UInt16(literal[anchor + 1])
            byPair[pair, default: []].append(Int32(index))
            pairBits[Int(pair >> 6)] |= 1 << UInt64(pair & 63)
        }
        var size = 16
        while size < byPair.count * 2 { size *= 2 }
        slotKeys = [UInt32](repeating: 0, count: size)
        slotStart = [Int32](repeating: 0, count: size)
        slotCount = [Int32](repeating: 0, count: size)
        for (pair, list) in byPair {
            var slot = Int(LiteralSet.hash(pair)) & (size - 1)
            while slotKeys[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slotKeys[slot] = UInt32(pair) + 1
            slotStart[slot] = Int32(entries.count)
            slotCount[slot] = Int32(list.count)
            entries.append(contentsOf: list)
        }
        for b in 0..<256 {
            singleStart[b] = Int32(singleEntries.count)
            singleEntries.append(contentsOf: singles[b])
        }
        singleStart[256] = Int32(singleEntries.count)
    }

    @inline(__always)
    private static func hash(_ pair: UInt16) -> UInt32 { UInt32(pair) &* 0x9E37_79B1 >> 16 }

    /// Calls `found` with the index of every literal occurring in `text` (possibly more than once).
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int32) -> Void) {
        let n = text.count
        guard n > 0, let p = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        if hasSingles {
            singleStart.withUnsafeBufferPointer { starts in
                for i in 0..<n {
                    let b = Int(p[i])
                    let s = starts[b]
                    let e = starts[b + 1]
                    if s != e { for k in s..<e { found(singleEntries[Int(k)]) } }
                }
            }
        }
        guard n >= 2, !slotKeys.isEmpty else { return }
        pairBits.withUnsafeBufferPointer { bits in
            var pair = UInt16(p[0])
            for i in 1..<n {
                pair = pair << 8 | UInt16(p[i])
                if bits[Int(pair >> 6)] & (1 << UInt64(pair & 63)) != 0 {
                    verify(pair: pair, at: i - 1, in: p, count: n, found)
                }
            }
        }
    }

    private func verify(pair: UInt16, at position: Int, in p: UnsafePointer<UInt8>, count n: Int, _ found: (Int32) -> Void) {
        let mask = slotKeys.count - 1
        var slot = Int(LiteralSet.hash(pair)) & mask
        while slotKeys[slot] != 0 {
            if slotKeys[slot] == UInt32(pair) + 1 {
                let start = Int(slotStart[slot])
                for k in start..<start + Int(slotCount[slot]) {
                    let index = entries[k]
                    let literal = literals[Int(index)]
                    let begin = position - Int(literal.anchor)
                    let length = Int(literal.length)
                    guard begin >= 0, begin + length <= n else { continue }
                    let equal = bytes.withUnsafeBufferPointer { b in
                        memcmp(p + begin, b.baseAddress! + Int(literal.start), length) == 0
                    }
                    if equal { found(index) }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    /// The position of the literal's least common byte pair (a rough frequency model of log text).
    private static func bestAnchor(_ literal: [UInt8]) -> Int {
        var best = 0
        var bestScore = Int.max
        for i in 0..<(literal.count - 1) {
            let score = commonness(literal[i]) + commonness(literal[i + 1])
            if score < bestScore {
                bestScore = score
                best = i
            }
        }
        return best
    }

    private static func commonness(_ b: UInt8) -> Int {
        switch b {
        case UInt8(ascii: " "): 10
        case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"), UInt8(ascii: "n"),
            UInt8(ascii: "s"), UInt8(ascii: "r"):
            8
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ":"): 7
        case UInt8(ascii: "a")...UInt8(ascii: "z"): 5
        case UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "="), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"): 4
        default: 1
        }
    }
}
