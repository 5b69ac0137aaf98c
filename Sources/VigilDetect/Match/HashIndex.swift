/// An immutable open-addressing table from 64-bit hashes to lists of entry numbers: a hot-path
/// lookup without `Hasher` (the keys are hashes already) and without reference counting.
struct HashIndex: Sendable {
    private var keys: [UInt64]
    private var starts: [Int32]
    private var counts: [Int32]
    private var values: [Int32] = []
    private var used: [Bool]

    init(_ lists: [UInt64: [Int32]]) {
        var size = 8
        while size < lists.count * 2 { size *= 2 }
        keys = [UInt64](repeating: 0, count: size)
        starts = [Int32](repeating: 0, count: size)
        counts = [Int32](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        for (key, list) in lists.sorted(by: { $0.key < $1.key }) {
            var slot = Int(truncatingIfNeeded: key) & (size - 1)
            while used[slot] { slot = (slot + 1) & (size - 1) }
            used[slot] = true
            keys[slot] = key
            starts[slot] = Int32(values.count)
            counts[slot] = Int32(list.count)
            values.append(contentsOf: list)
        }
    }

    var isEmpty: Bool { values.isEmpty }

    /// Its table slot by slot (for ``DetectorTables``' flat copy): key, whether the slot is used, and
    /// the slot's entries. Looked up as ``entries(_:)`` does: linear probing from `key & (count - 1)`.
    var table: [(key: UInt64, used: Bool, entries: [Int32])] {
        keys.indices.map { slot in (keys[slot], used[slot], Array(values[Int(starts[slot])..<Int(starts[slot] + counts[slot])])) }
    }

    /// The entries stored under `key` (empty when none).
    @inline(__always)
    func entries(_ key: UInt64) -> ArraySlice<Int32> {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        while used[slot] {
            if keys[slot] == key { return values[Int(starts[slot])..<Int(starts[slot] + counts[slot])] }
            slot = (slot + 1) & mask
        }
        return []
    }
}
