#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waiting for a ring without burning a core: spin briefly, then yield, then sleep with growing pauses
/// up to ``maxSleepMicroseconds``.
///
/// A reader blocked on a full ring or a worker waiting on an empty one therefore costs next to no CPU,
/// while a wait that ends within microseconds (the common case under load) stays cheap.
public struct Backoff {
    @usableFromInline var step = 0
    /// The longest single sleep.
    public let maxSleepMicroseconds: UInt32

    @inlinable
    public init(maxSleepMicroseconds: UInt32 = 1000) {
        self.maxSleepMicroseconds = maxSleepMicroseconds
    }

    /// Waits a little longer than last time.
    @inlinable
    public mutating func wait() {
        if step < 6 {
            for _ in 0..<(1 << step) { spinHint() }
        } else if step < 12 {
            sched_yield()
        } else {
            let shift = min(step - 12, 10)
            usleep(min(UInt32(20) << UInt32(shift), maxSleepMicroseconds))
        }
        step += 1
    }

    /// Starts over after progress.
    @inlinable
    public mutating func reset() { step = 0 }
}

/// A pause the optimizer keeps (the body of a spin loop).
@inlinable
@inline(never)
func spinHint() {}
