import Atomics

/// A bounded lock-free multi-producer multi-consumer queue (Dmitry Vyukov's design) on swift-atomics.
///
/// Each slot carries a sequence number that says whose turn it is; producers and consumers claim
/// positions with one compare-exchange and never take a lock. Every element gets a *ticket*: the
/// position it was pushed at. Tickets are dense (0, 1, 2, ...) in push order, which lets a later stage
/// restore push order after several consumers worked in parallel (see ``ReorderBuffer``).
///
/// Hand over batches, not single items: one push/pop costs tens of nanoseconds.
///
/// `@unchecked Sendable`: all shared state is reached through atomics; a slot's element is written only
/// by the producer that claimed its position and read only by the consumer that claimed it, and the slot
/// sequence's release/acquire pair orders those accesses.
public final class BoundedRing<Element>: @unchecked Sendable {
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let sequences: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>
    @usableFromInline let elements: UnsafeMutablePointer<Element>
    /// Enqueue position, dequeue position and the closed flag, each on its own 128-byte line so that
    /// producers and consumers do not invalidate each other's cache lines.
    @usableFromInline let positions: UnsafeMutableRawPointer
    /// The allocation `positions` was carved from (over-aligned allocations are avoided on purpose:
    /// `deallocate()` cannot free them portably).
    private let positionsAllocation: UnsafeMutableRawPointer

    /// A ring of `capacity` slots (rounded up to a power of two, at least 2).
    public init(capacity: Int) {
        var size = 2
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.mask = size - 1
        sequences = .allocate(capacity: size)
        for i in 0..<size { (sequences + i).initialize(to: .init(i)) }
        elements = .allocate(capacity: size)
        positionsAllocation = .allocate(byteCount: 4 * 128, alignment: 16)
        let address = UInt(bitPattern: positionsAllocation)
        positions = positionsAllocation + Int((128 - address % 128) % 128)
        for line in 0..<3 {
            (positions + line * 128).bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: 1).initialize(to: .init(0))
        }
    }

    deinit {
        var position = dequeuePosition.load(ordering: .acquiring)
        let end = enqueuePosition.load(ordering: .acquiring)
        while position != end {
            (elements + (position & mask)).deinitialize(count: 1)
            position &+= 1
        }
        // The atomics' storage is trivial (plain integers) and was allocated here, not by
        // `UnsafeAtomic.create`, so it is freed with the buffers, not with `destroy()`.
        sequences.deinitialize(count: capacity)
        sequences.deallocate()
        elements.deallocate()
        positionsAllocation.deallocate()
    }

    @inlinable func atomic(_ line: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic<Int>(at: (positions + line * 128).assumingMemoryBound(to: UnsafeAtomic<Int>.Storage.self))
    }
    @inlinable var enqueuePosition: UnsafeAtomic<Int> { atomic(0) }
    @inlinable var dequeuePosition: UnsafeAtomic<Int> { atomic(1) }
    @inlinable var closedFlag: UnsafeAtomic<Int> { atomic(2) }
    @inlinable func sequence(_ slot: Int) -> UnsafeAtomic<Int> { UnsafeAtomic<Int>(at: sequences + slot) }

    /// Pushes if there is room; returns false (and keeps nothing) when full.
    @inlinable
    public func tryPush(_ element: Element) -> Bool {
        var position = enqueuePosition.load(ordering: .relaxed)
        while true {
            let slot = position & mask
            let difference = sequence(slot).load(ordering: .acquiring) &- position
            if difference == 0 {
                let (claimed, current) = enqueuePosition.weakCompareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if claimed {
                    (elements + slot).initialize(to: element)
                    sequence(slot).store(position &+ 1, ordering: .releasing)
                    return true
                }
                position = current
            } else if difference < 0 {
                return false
            } else {
                position = enqueuePosition.load(ordering: .relaxed)
            }
        }
    }

    /// Pops the oldest element with its ticket, or nil when empty.
    @inlinable
    public func tryPop() -> (ticket: UInt64, element: Element)? {
        var position = dequeuePosition.load(ordering: .relaxed)
        while true {
            let slot = position & mask
            let difference = sequence(slot).load(ordering: .acquiring) &- (position &+ 1)
            if difference == 0 {
                let (claimed, current) = dequeuePosition.weakCompareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if claimed {
                    let element = (elements + slot).move()
                    sequence(slot).store(position &+ mask &+ 1, ordering: .releasing)
                    return (UInt64(position), element)
                }
                position = current
            } else if difference < 0 {
                return nil
            } else {
                position = dequeuePosition.load(ordering: .relaxed)
            }
        }
    }

    /// Pushes, waiting with ``Backoff`` while the ring is full: how file and stdin readers feel
    /// backpressure.
    @inlinable
    public func push(_ element: Element) {
        var backoff = Backoff()
        while !tryPush(element) { backoff.wait() }
    }

    /// Pops, waiting while the ring is empty; nil once the ring is closed and empty.
    ///
    /// An idle consumer ends up sleeping 5 ms at a time: idle listeners cost next to no CPU, and the
    /// first batch after a pause waits at most that long.
    @inlinable
    public func pop() -> (ticket: UInt64, element: Element)? {
        var backoff = Backoff(maxSleepMicroseconds: 5000)
        while true {
            // Read the flag first: once it is set every push has completed, so an empty pop is final.
            let closed = isClosed
            if let item = tryPop() { return item }
            if closed { return nil }
            backoff.wait()
        }
    }

    /// Marks the end of input. Call after the last push has returned.
    public func close() {
        closedFlag.store(1, ordering: .releasing)
    }

    @inlinable
    public var isClosed: Bool { closedFlag.load(ordering: .acquiring) != 0 }

    /// How many elements were pushed so far: the ticket the next push will get.
    public var pushedCount: UInt64 { UInt64(enqueuePosition.load(ordering: .acquiring)) }

    /// Elements waiting now (a moment's reading, for metrics).
    public var occupancy: Int {
        max(0, enqueuePosition.load(ordering: .relaxed) - dequeuePosition.load(ordering: .relaxed))
    }
}
