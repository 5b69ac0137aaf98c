import VigilEvent

#if canImport(Glibc)
    import Glibc
#endif

extension DecoderTables {
    /// The candidate list of a program name some decoder lists exactly, or nil (one hash lookup).
    @inline(__always)
    func exactList(for name: UnsafeRawBufferPointer, hash: UInt64, format: EventFormat) -> ProgramIndex.ListRange? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.keyStart < 0 { return nil }
            if slot.hash == hash && Int(slot.keyCount) == name.count
                && (name.count == 0 || memcmp(slotNames.baseAddress! + Int(slot.keyStart), name.baseAddress!, name.count) == 0)
            {
                return exactLists[Int(slot.listsByFormat) + Int(format.rawValue)]
            }
            index = (index + 1) & mask
        }
    }

    /// The list for events without a program, or with one that no decoder names.
    @inline(__always)
    func defaultList(format: EventFormat) -> ProgramIndex.ListRange {
        defaultLists[Int(format.rawValue)]
    }

    /// Whether the `count` bytes at `subject` start with the bytes of `slice`.
    @inline(__always)
    func startsWith(_ subject: UnsafePointer<UInt8>, _ count: Int, _ slice: Slice) -> Bool {
        let n = Int(slice.count)
        guard count >= n else { return false }
        let literal = arena.baseAddress.unsafelyUnwrapped + Int(slice.offset)
        // Literals up to 16 bytes compare as one or two words (the arena is padded, so its loads stay
        // inside it; the subject's only when it has eight bytes).
        if count >= 8 && n <= 16 {
            let head = UnsafeRawPointer(subject).loadUnaligned(as: UInt64.self) ^ UnsafeRawPointer(literal).loadUnaligned(as: UInt64.self)
            if n <= 8 { return n == 0 || head & (~0 >> UInt64(64 &- 8 &* n)) == 0 }
            let tail =
                UnsafeRawPointer(subject + (n &- 8)).loadUnaligned(as: UInt64.self)
                ^ UnsafeRawPointer(literal + (n &- 8)).loadUnaligned(as: UInt64.self)
            return head | tail == 0
        }
        guard n == 0 || subject[0] == literal[0] else { return false }
        return n <= 1 || memcmp(subject + 1, literal + 1, n - 1) == 0
    }

    /// Whether `subject` contains the bytes of `slice`: `memchr` for its byte at `anchor`, then a compare.
    @inline(__always)
    func contains(_ subject: UnsafeRawBufferPointer, _ slice: Slice, anchor: Int) -> Bool {
        let n = Int(slice.count)
        guard subject.count >= n, let base = subject.baseAddress else { return false }
        let literal = UnsafeRawPointer(arena.baseAddress! + Int(slice.offset))
        let anchorByte = Int32(literal.load(fromByteOffset: anchor, as: UInt8.self))
        var from = base + anchor
        let last = base + (subject.count - n + anchor)
        while from <= last {
            guard let hit = memchr(from, anchorByte, last - from + 1) else { return false }
            let start = UnsafeRawPointer(hit) - anchor
            if memcmp(start, literal, n) == 0 { return true }
            from = UnsafeRawPointer(hit) + 1
        }
        return false
    }
}
