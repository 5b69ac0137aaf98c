import Foundation

/// A set of literals searched in one pass over a text.
///
/// Each literal of four bytes or more is anchored at one of its 4-byte grams, chosen so that
/// literals spread over different grams (rule variants that share a prefix do not all wait on the
/// same gram) and, among those, the least common-looking. A bit filter over a hash of the grams
/// rejects almost every text position with one multiply and one load; the positions that pass are
/// checked against the exact gram and then the whole literal. The filter has 64 Ki bits, or 32 bits
/// per gram for large sets (up to 4 Mi bits), so that about 3 % of its bits at most are set however
/// many rules there are: 10,000 rules' literals would otherwise let one text position in six
/// through. Literals of two or three bytes use the same scheme on byte pairs, one-byte literals a
/// 256-entry table. Immutable; shared by workers.
final class LiteralSet: Sendable {
    private struct Anchor: Sendable {
        var literal: Int32
        /// Offset of the gram inside the literal.
        var offset: Int32
    }

    /// A filter plus exact-gram buckets for one gram width.
    private struct GramTable: Sendable {
        var bits: [UInt64]
        /// The filter's hash is the top `32 - shift` bits of the multiplied gram.
        var shift: UInt32
        var keys: [UInt32] = []
        var used: [Bool] = []
        var starts: [Int32] = []
        var counts: [Int32] = []
        var anchors: [Anchor] = []
        var isEmpty: Bool { anchors.isEmpty }

        init(_ groups: [UInt32: [Anchor]]) {
            var filterBits: UInt32 = 16
            while filterBits < 22 && (1 << filterBits) < groups.count * 32 { filterBits += 1 }
            bits = [UInt64](repeating: 0, count: 1 << (filterBits - 6))
            shift = 32 - filterBits
            var size = 16
            while size < groups.count * 2 { size *= 2 }
            keys = [UInt32](repeating: 0, count: size)
            used = [Bool](repeating: false, count: size)
            starts = [Int32](repeating: 0, count: size)
            counts = [Int32](repeating: 0, count: size)
            for (gram, list) in groups.sorted(by: { $0.key < $1.key }) {
                let h = LiteralSet.filterHash(gram, shift)
                bits[Int(h >> 6)] |= 1 << UInt64(h & 63)
                var slot = Int(LiteralSet.slotHash(gram)) & (size - 1)
                while used[slot] { slot = (slot + 1) & (size - 1) }
                used[slot] = true
                keys[slot] = gram
                starts[slot] = Int32(anchors.count)
                counts[slot] = Int32(list.count)
                anchors.append(contentsOf: list)
            }
        }

        @inline(__always)
        func bucket(_ gram: UInt32) -> Range<Int>? {
            let mask = keys.count - 1
            var slot = Int(LiteralSet.slotHash(gram)) & mask
            while used[slot] {
                if keys[slot] == gram { return Int(starts[slot])..<Int(starts[slot] + counts[slot]) }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    private let bytes: [UInt8]
    private let starts: [Int32]
    private let lengths: [Int32]
    private let quads: GramTable
    private let pairs: GramTable
    /// One-byte literals: `singleEntries[singleStart[b] ..< singleStart[b + 1]]`.
    private let singleStart: [Int32]
    private let singleEntries: [Int32]
    private let hasSingles: Bool

    var count: Int { starts.count }

    /// Builds the set; literal `i` of `list` is reported as `i`.
    init(_ list: [[UInt8]]) {
        var bytes: [UInt8] = []
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var quadGroups: [UInt32: [Anchor]] = [:]
        var pairGroups: [UInt32: [Anchor]] = [:]
        var singles = [[Int32]](repeating: [], count: 256)
        // Longest first: they have the most grams to choose from; short ones take what is left.
        for index in list.indices.sorted(by: { list[$0].count > list[$1].count }) {
            let literal = list[index]
            let width = literal.count >= 4 ? 4 : 2
            if literal.count == 1 {
                singles[Int(literal[0])].append(Int32(index))
                continue
            }
            var best = 0
            var bestCost = Int.max
            for offset in 0...(literal.count - width) {
                let gram = LiteralSet.gram(literal, offset, width)
                let load = (width == 4 ? quadGroups[gram]?.count : pairGroups[gram]?.count) ?? 0
                let cost = load * 1000 + (0..<width).reduce(0) { $0 + LiteralSet.commonness(literal[offset + $1]) }
                if cost < bestCost {
                    bestCost = cost
                    best = offset
                }
            }
            let gram = LiteralSet.gram(literal, best, width)
            let anchor = Anchor(literal: Int32(index), offset: Int32(best))
            if width == 4 { quadGroups[gram, default: []].append(anchor) } else { pairGroups[gram, default: []].append(anchor) }
        }
        for literal in list {
            starts.append(Int32(bytes.count))
            lengths.append(Int32(literal.count))
            bytes.append(contentsOf: literal)
        }
        var singleStart = [Int32](repeating: 0, count: 257)
        var singleEntries: [Int32] = []
        for b in 0..<256 {
            singleStart[b] = Int32(singleEntries.count)
            singleEntries.append(contentsOf: singles[b])
        }
        singleStart[256] = Int32(singleEntries.count)
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.quads = GramTable(quadGroups)
        self.pairs = GramTable(pairGroups)
        self.singleStart = singleStart
        self.singleEntries = singleEntries
        self.hasSingles = !singleEntries.isEmpty
    }

    /// The filter bit of a gram: the top `32 - shift` bits of the multiplied gram. A masking shift
    /// (`shift` is 10 to 16): the checked `>>` of a variable amount costs a compare and a select per
    /// text position.
    @inline(__always)
    static func filterHash(_ gram: UInt32, _ shift: UInt32) -> UInt32 { (gram &* 0x9E37_79B1) &>> shift }

    @inline(__always)
    static func slotHash(_ gram: UInt32) -> UInt32 { (gram &* 0x85EB_CA6B) >> 7 }

    /// Little-endian gram of `width` bytes (2 or 4), as the scan reads it.
    static func gram(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> UInt32 {
        var g: UInt32 = 0
        for k in (0..<width).reversed() { g = g << 8 | UInt32(bytes[offset + k]) }
        return g
    }

    /// Appends to `found` the index of every literal occurring in `text` (possibly more than once).
    func scan(_ text: UnsafeRawBufferPointer, into found: inout [Int32]) {
        let n = text.count
        guard n > 0, text.baseAddress != nil else { return }
        if hasSingles {
            for i in 0..<n {
                let b = Int(text[i])
                for k in Int(singleStart[b])..<Int(singleStart[b + 1]) { found.append(singleEntries[k]) }
            }
        }
        // The usual 64 Ki-bit filters (shift 16) get loops of their own with the shift a constant: a
        // shift by a variable amount takes the count register and costs spills in the loop, which made
        // the scan 1.5 times slower (the Sigma subset on auth.log, +7-12 % CPU per event in all).
        if !quads.isEmpty && n >= 4 {
            if quads.shift == 16 {
                scan(quads, width: 4, shift: 16, text, into: &found)
            } else {
                scan(quads, width: 4, shift: quads.shift, text, into: &found)
            }
        }
        if !pairs.isEmpty && n >= 2 {
            if pairs.shift == 16 {
                scan(pairs, width: 2, shift: 16, text, into: &found)
            } else {
                scan(pairs, width: 2, shift: pairs.shift, text, into: &found)
            }
        }
    }

    /// One gram width's pass over `text` (at least `width` bytes).
    @inline(__always)
    private func scan(_ table: GramTable, width: Int, shift: UInt32, _ text: UnsafeRawBufferPointer, into found: inout [Int32]) {
        let base = text.baseAddress!
        table.bits.withUnsafeBufferPointer { bits in
            for i in 0...(text.count - width) {
                let gram =
                    width == 4
                    ? base.loadUnaligned(fromByteOffset: i, as: UInt32.self)
                    : UInt32(base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
                let h = LiteralSet.filterHash(gram, shift)
                if bits[Int(h >> 6)] & (1 << UInt64(h & 63)) != 0 { verify(table, gram, at: i, in: text, &found) }
            }
        }
    }

    private func verify(_ table: GramTable, _ gram: UInt32, at position: Int, in text: UnsafeRawBufferPointer, _ found: inout [Int32]) {
        guard let range = table.bucket(gram) else { return }
        for k in range {
            let anchor = table.anchors[k]
            let index = Int(anchor.literal)
            let begin = position - Int(anchor.offset)
            let length = Int(lengths[index])
            guard begin >= 0, begin + length <= text.count else { continue }
            let equal = bytes.withUnsafeBufferPointer { b in
                TextMatching.bytesEqual(text.baseAddress! + begin, b.baseAddress! + Int(starts[index]), count: length)
            }
            if equal { found.append(anchor.literal) }
        }
    }

    /// A rough frequency model of log text: spaces and common letters are poor anchors.
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
