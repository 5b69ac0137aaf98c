import VigilEvent

/// The values of the event being matched, by route slot: one worker's reusable buffers.
///
/// Values point into the batch's bytes, or into ``arena`` for bytes vigil derives (folded text,
/// facility digits). Slots are reset per event by bumping ``epoch``, not by clearing arrays.
final class EventValues {
    struct Value {
        var start: Int32
        var length: Int32
        var kind: FieldKind
        var inArena: Bool
        var next: Int32
        /// Folded copy in the arena, computed on first use (-1 until then).
        var foldedStart: Int32
        var foldedLength: Int32
    }

    // One worker owns this object and never shares it, so dynamic exclusivity checks on its
    // properties would only cost time.
    let arena = ByteArena()
    /// Values of the current event: the first `count` entries (the array keeps its size between events).
    @exclusivity(unchecked) var values: [Value] = []
    @exclusivity(unchecked) var count = 0
    @exclusivity(unchecked) var slotHead: [Int32] = []
    @exclusivity(unchecked) var slotTail: [Int32] = []
    @exclusivity(unchecked) var slotStamp: [UInt32] = []
    @exclusivity(unchecked) var slotDecodedStamp: [UInt32] = []
    @exclusivity(unchecked) var epoch: UInt32 = 0
    /// Base address of the current batch's bytes.
    @exclusivity(unchecked) var batchBase: UnsafeRawPointer? = nil
    @exclusivity(unchecked) var decoderNames: [Symbol: [UInt8]] = [:]

    init() {
        values.reserveCapacity(256)
    }

    /// Starts a new event: forgets all values (O(1)).
    func begin(slotCount: Int) {
        if slotHead.count < slotCount {
            let extra = slotCount - slotHead.count
            slotHead += [Int32](repeating: -1, count: extra)
            slotTail += [Int32](repeating: -1, count: extra)
            slotStamp += [UInt32](repeating: 0, count: extra)
            slotDecodedStamp += [UInt32](repeating: 0, count: extra)
        }
        epoch &+= 1
        if epoch == 0 {
            for i in slotStamp.indices {
                slotStamp[i] = 0
                slotDecodedStamp[i] = 0
            }
            epoch = 1
        }
        count = 0
        arena.reset()
    }

    /// Appends a value to a slot's chain.
    @inline(__always)
    func add(slot: Int, start: Int, length: Int, kind: FieldKind, inArena: Bool = false) {
        let index = Int32(count)
        let value = Value(
            start: Int32(start), length: Int32(length), kind: kind, inArena: inArena, next: -1, foldedStart: -1, foldedLength: 0)
        if count < values.count { values[count] = value } else { values.append(value) }
        count += 1
        if slotStamp[slot] != epoch {
            slotStamp[slot] = epoch
            slotHead[slot] = index
        } else {
            values[Int(slotTail[slot])].next = index
        }
        slotTail[slot] = index
    }

    /// First value of a slot this event, or -1.
    @inline(__always)
    func head(ofSlot slot: Int) -> Int32 {
        slotStamp[slot] == epoch ? slotHead[slot] : -1
    }

    /// The bytes of a value as the event has them.
    @inline(__always)
    func raw(_ index: Int32) -> UnsafeRawBufferPointer {
        let v = values[Int(index)]
        if v.inArena { return arena.bytes(Int(v.start)..<Int(v.start + v.length)) }
        return UnsafeRawBufferPointer(start: batchBase! + Int(v.start), count: Int(v.length))
    }

    /// The case-folded bytes of a value (folded once per event).
    @inline(__always)
    func folded(_ index: Int32) -> UnsafeRawBufferPointer {
        let v = values[Int(index)]
        if v.foldedStart >= 0 { return arena.bytes(Int(v.foldedStart)..<Int(v.foldedStart + v.foldedLength)) }
        return fold(index)
    }

    private func fold(_ index: Int32) -> UnsafeRawBufferPointer {
        let v = values[Int(index)]
        // Reserve first: folding an arena-resident value must not move the bytes it reads.
        arena.reserve(Int(v.length) * 2 + 8)
        let range = arena.appendFolded(raw(index))
        values[Int(index)].foldedStart = Int32(range.lowerBound)
        values[Int(index)].foldedLength = Int32(range.count)
        return arena.bytes(range)
    }

    /// Adds bytes vigil derives (not in the batch) as a value of `slot`.
    func addDerived(slot: Int, _ bytes: UnsafeRawBufferPointer, kind: FieldKind = .string) {
        let range = arena.append(bytes)
        add(slot: slot, start: range.lowerBound, length: range.count, kind: kind, inArena: true)
    }

    func addDecimal(slot: Int, _ number: Int) {
        let range = arena.appendDecimal(number)
        add(slot: slot, start: range.lowerBound, length: range.count, kind: .number, inArena: true)
    }
}
