/// The distinct token hashes of one block: open addressing with linear probing over a flat array.
/// Measured in a release build against `Set<UInt64>`: the writer spent most of its time in set inserts.
struct TokenHashSet {
    /// 0 marks an empty slot (``ArchiveTokenHash/hash(_:)`` is never 0).
    private(set) var slots: [UInt64]
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) mutating func insert(_ hash: UInt64) {
        let mask = mask
        let added = slots.withUnsafeMutableBufferPointer { Self.place(hash, in: $0.baseAddress!, mask: mask) }
        guard added else { return }
        count += 1
        if count * 2 > slots.count { grow() }
    }

    /// Puts `value` in its slot (linear probing); whether it was not there yet. The table has room.
    @inline(__always) private static func place(_ value: UInt64, in base: UnsafeMutablePointer<UInt64>, mask: Int) -> Bool {
        var i = Int(truncatingIfNeeded: value >> 7) & mask
        while true {
            let slot = base[i]
            if slot == value { return false }
            if slot == 0 { break }
            i = (i + 1) & mask
        }
        base[i] = value
        return true
    }

    /// Inserts the hashes of the tokens of `message` (``ArchiveTokens/forEachHash(in:_:)``).
    ///
    /// Hand-written for speed: the room for the message's tokens is made first (at most two tokens, a word
    /// and an address, start at each byte), so the loop works on the slots' buffer without a uniqueness
    /// check, bounds check or growth test per token, and the set stays at most half full.
    @inline(__always) mutating func insertTokens(of message: UnsafeRawBufferPointer) {
        while (count + 2 * message.count) * 2 > slots.count { grow() }
        let mask = mask
        var added = 0
        slots.withUnsafeMutableBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            ArchiveTokens.forEachHash(in: message) { value in
                if Self.place(value, in: base, mask: mask) { added += 1 }
            }
        }
        count += added
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for value in old where value != 0 { insert(value) }
    }

    /// Empties the set, keeping its room (the next block has about as many tokens).
    mutating func removeAll() {
        for i in slots.indices { slots[i] = 0 }
        count = 0
    }

    func forEach(_ body: (UInt64) -> Void) {
        for value in slots where value != 0 { body(value) }
    }
}
