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

    // One worker owns this object and never shares it, so dynamic exclusivity checks on its properties
    // would only cost time. Its tables are raw buffers, not arrays: an array written through a class
    // property checks uniqueness at every write (several per value).
    let arena = ByteArena()
    /// Values of the current event: the first `count` entries (the buffer keeps its size between events).
    @exclusivity(unchecked) private(set) var values: UnsafeMutablePointer<Value>
    @exclusivity(unchecked) private var valueCapacity = 256
    @exclusivity(unchecked) private(set) var count = 0
    /// Per slot: first and last value of the current event (valid when the slot's stamp is `epoch`).
    @exclusivity(unchecked) private var slotHead: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var slotTail: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var slotStamp: UnsafeMutablePointer<UInt32>
    /// Per slot: the epoch a decoded field last filled it in (parsed fields of the same name then yield).
    @exclusivity(unchecked) private var slotDecodedStamp: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var slotCapacity = 0
    @exclusivity(unchecked) private(set) var epoch: UInt32 = 0
    /// Base address of the current batch's bytes.
    @exclusivity(unchecked) var batchBase: UnsafeRawPointer? = nil
    @exclusivity(unchecked) var decoderNames: [Symbol: [UInt8]] = [:]

    init() {
        values = .allocate(capacity: valueCapacity)
        slotHead = .allocate(capacity: 1)
        slotTail = .allocate(capacity: 1)
        slotStamp = .allocate(capacity: 1)
        slotDecodedStamp = .allocate(capacity: 1)
    }

    deinit {
        values.deallocate()
        slotHead.deallocate()
        slotTail.deallocate()
        slotStamp.deallocate()
        slotDecodedStamp.deallocate()
    }

    /// Starts a new event: forgets all values (O(1)).
    func begin(slotCount: Int) {
        if slotCapacity < slotCount { growSlots(to: slotCount) }
        epoch &+= 1
        if epoch == 0 {
            slotStamp.update(repeating: 0, count: slotCapacity)
            slotDecodedStamp.update(repeating: 0, count: slotCapacity)
            epoch = 1
        }
        count = 0
        arena.reset()
    }

    private func growSlots(to capacity: Int) {
        func grown<T>(_ old: UnsafeMutablePointer<T>, filling value: T) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
            new.update(from: old, count: slotCapacity)
            (new + slotCapacity).initialize(repeating: value, count: capacity - slotCapacity)
            old.deallocate()
            return new
        }
        slotHead = grown(slotHead, filling: -1)
        slotTail = grown(slotTail, filling: -1)
        slotStamp = grown(slotStamp, filling: 0)
        slotDecodedStamp = grown(slotDecodedStamp, filling: 0)
        slotCapacity = capacity
    }

    /// Appends a value to a slot's chain.
    @inline(__always)
    func add(slot: Int, start: Int, length: Int, kind: FieldKind, inArena: Bool = false) {
        if count == valueCapacity { growValues() }
        let index = Int32(count)
        (values + count).initialize(
            to: Value(
                start: Int32(start), length: Int32(length), kind: kind, inArena: inArena, next: -1, foldedStart: -1, foldedLength: 0))
        count += 1
        if slotStamp[slot] != epoch {
            slotStamp[slot] = epoch
            slotHead[slot] = index
        } else {
            values[Int(slotTail[slot])].next = index
        }
        slotTail[slot] = index
    }

    /// Marks `slot` as filled by a decoded field in this event.
    @inline(__always)
    func markDecoded(_ slot: Int) { slotDecodedStamp[slot] = epoch }

    /// Whether a decoded field filled `slot` in this event.
    @inline(__always)
    func isDecoded(_ slot: Int) -> Bool { slotDecodedStamp[slot] == epoch }

    private func growValues() {
        let new = UnsafeMutablePointer<Value>.allocate(capacity: valueCapacity * 2)
        new.moveInitialize(from: values, count: count)
        values.deallocate()
        values = new
        valueCapacity *= 2
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
