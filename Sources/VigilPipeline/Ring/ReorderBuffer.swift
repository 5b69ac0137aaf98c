import Atomics

/// Restores ticket order after parallel workers: workers ``put(_:ticket:)`` results in any order, one
/// consumer takes them in ticket order (0, 1, 2, ...).
///
/// A bounded ring indexed by ticket: slot `ticket % capacity` holds ticket `ticket` once the consumer
/// has taken `ticket - capacity`. A worker that runs too far ahead waits (with ``Backoff``), which
/// bounds memory and carries backpressure from the ordered stages back to the workers.
///
/// `@unchecked Sendable`: as for ``BoundedRing``, each slot is handed between exactly one writer and the
/// one reader through its sequence atomic (release on write, acquire on read).
public final class ReorderBuffer<Element>: @unchecked Sendable {
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let sequences: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>
    @usableFromInline let elements: UnsafeMutablePointer<Element>

    /// A buffer of `capacity` slots (rounded up to a power of two). Use at least the input ring's
    /// capacity plus the number of workers, so that workers rarely wait.
    public init(capacity: Int) {
        var size = 2
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.mask = size - 1
        sequences = .allocate(capacity: size)
        for i in 0..<size { (sequences + i).initialize(to: .init(i)) }
        elements = .allocate(capacity: size)
    }

    deinit {
        for i in 0..<capacity {
            let value = UnsafeAtomic<Int>(at: sequences + i).load(ordering: .acquiring)
            // A slot holds an element when its sequence is one past a ticket that maps to it.
            if value & mask == (i + 1) & mask { (elements + i).deinitialize(count: 1) }
        }
        sequences.deinitialize(count: capacity)
        sequences.deallocate()
        elements.deallocate()
    }

    @inlinable func sequence(_ slot: Int) -> UnsafeAtomic<Int> { UnsafeAtomic<Int>(at: sequences + slot) }

    /// Stores the result for `ticket`, waiting while its slot still holds an older ticket.
    @inlinable
    public func put(_ element: Element, ticket: UInt64) {
        let position = Int(truncatingIfNeeded: ticket)
        let slot = position & mask
        var backoff = Backoff()
        while sequence(slot).load(ordering: .acquiring) != position { backoff.wait() }
        (elements + slot).initialize(to: element)
        sequence(slot).store(position &+ 1, ordering: .releasing)
    }

    /// The result for `ticket` if it is there (single consumer only).
    @inlinable
    public func tryTake(ticket: UInt64) -> Element? {
        let position = Int(truncatingIfNeeded: ticket)
        let slot = position & mask
        guard sequence(slot).load(ordering: .acquiring) == position &+ 1 else { return nil }
        let element = (elements + slot).move()
        sequence(slot).store(position &+ mask &+ 1, ordering: .releasing)
        return element
    }
}
