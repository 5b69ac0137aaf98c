/// One detector's working memory for placing an event in a logsource: the router field values the
/// event has (one per router field slot, stamped per event) and the list of slots present.
///
/// Fixed-size buffers (a slot is filled at most once per event), so filling them allocates and checks
/// nothing. One detector's, on one thread (hence no dynamic exclusivity checks).
final class RouterScratch {
    let slotCount: Int
    /// Per slot: the event epoch it was last filled in, and its value's bytes in the batch.
    let stamps: UnsafeMutablePointer<UInt32>
    let valueStarts: UnsafeMutablePointer<Int32>
    let valueLengths: UnsafeMutablePointer<Int32>
    /// Slots filled for the current event, in the order found.
    let present: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) var presentCount = 0
    @exclusivity(unchecked) var epoch: UInt32 = 0

    init(slotCount: Int) {
        self.slotCount = slotCount
        let capacity = max(slotCount, 1)
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0, count: capacity)
        valueStarts = .allocate(capacity: capacity)
        valueStarts.initialize(repeating: 0, count: capacity)
        valueLengths = .allocate(capacity: capacity)
        valueLengths.initialize(repeating: 0, count: capacity)
        present = .allocate(capacity: capacity)
    }

    deinit {
        stamps.deallocate()
        valueStarts.deallocate()
        valueLengths.deallocate()
        present.deallocate()
    }

    /// Starts a new event: forgets every slot (O(1) but when the epoch wraps around).
    @inline(__always)
    func begin() {
        presentCount = 0
        epoch &+= 1
        if epoch == 0 {
            stamps.update(repeating: 0, count: max(slotCount, 1))
            epoch = 1
        }
    }

    @inline(__always)
    func has(_ slot: Int) -> Bool { stamps[slot] == epoch }

    /// Fills `slot` unless it already is (the first value found wins).
    @inline(__always)
    func fill(_ slot: Int, start: Int, length: Int) {
        guard stamps[slot] != epoch else { return }
        stamps[slot] = epoch
        valueStarts[slot] = Int32(start)
        valueLengths[slot] = Int32(length)
        present[presentCount] = Int32(slot)
        presentCount &+= 1
    }
}
