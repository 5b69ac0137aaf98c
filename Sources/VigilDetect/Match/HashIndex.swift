/// An open-addressing table from 64-bit hashes to lists of entry numbers (no `Hasher`: the keys are
/// hashes already), built once. The detector reads a flat copy of it (``DetectorTables/RouterView``),
/// probing linearly from `key & (keys.count - 1)` until a slot is unused.
struct HashIndex: Sendable {
    private(set) var keys: [UInt64]
    private(set) var used: [Bool]
    /// The entries stored in each slot.
    private(set) var lists: [[Int32]]

    init(_ lists: [UInt64: [Int32]]) {
        var size = 8
        while size < lists.count * 2 { size *= 2 }
        keys = [UInt64](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        self.lists = [[Int32]](repeating: [], count: size)
        for (key, list) in lists.sorted(by: { $0.key < $1.key }) {
            var slot = Int(truncatingIfNeeded: key) & (size - 1)
            while used[slot] { slot = (slot + 1) & (size - 1) }
            used[slot] = true
            keys[slot] = key
            self.lists[slot] = list
        }
    }
}
