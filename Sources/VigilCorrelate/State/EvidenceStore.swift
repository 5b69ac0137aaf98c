import VigilEvent

/// The evidence of recent inputs of one shard: their bytes in a ring (messages as received, JSON, or
/// deferred child windows), read back by 32-bit references.
///
/// Window state keeps references instead of evidence, so a million idle groups hold no event text, and
/// a shard's evidence costs one bounded byte ring instead of a String per input. A reference whose
/// bytes were overwritten reads as nil: evidence is a bounded sample and may miss entries under load
/// (counted in ``CorrelationStats/evidenceExpired``). The ring and the entry table start small and
/// grow to their limits as evidence arrives, so small runs stay small.
struct EvidenceStore {
    struct Entry {
        var ref: UInt32 = 0
        var form = CorrelationBatch.EvidenceForm.json
        var count: UInt32 = 0
        /// Position in the unbounded byte sequence written so far; ring index `position & (ring.count - 1)`.
        var position = 0
        var time = EvidenceTime(received: Timestamp(nanoseconds: 0))
    }

    private var ring: [UInt8]
    private var entries: [Entry]
    /// Bytes written so far (monotonic), and the first position whose bytes are still intact.
    private var written = 0
    private var validFrom = 0
    private var nextRef: UInt32 = 1
    private let maxEntries: Int
    private let maxBytes: Int

    /// Keeps the last `capacity` entries (rounded up to a power of two) within `bytes` bytes (likewise).
    init(capacity: Int, bytes: Int = 8 << 20) {
        maxEntries = Self.powerOfTwo(atLeast: max(16, capacity))
        maxBytes = Self.powerOfTwo(atLeast: max(4096, bytes))
        entries = Array(repeating: Entry(), count: min(1024, maxEntries))
        ring = Array(repeating: 0, count: min(64 << 10, maxBytes))
    }

    static func powerOfTwo(atLeast value: Int) -> Int {
        var size = 1
        while size < value { size <<= 1 }
        return size
    }

    /// Bytes held.
    var memoryBytes: Int { ring.count + entries.count * MemoryLayout<Entry>.stride }

    /// Stores a piece of evidence and returns its reference (never 0, never `UInt32.max`: callers may use
    /// that value to mean "no event").
    mutating func add(_ content: UnsafeRawBufferPointer, form: CorrelationBatch.EvidenceForm, time: EvidenceTime) -> UInt32 {
        let ref = nextRef
        nextRef = nextRef >= .max - 1 ? 1 : nextRef + 1
        if Int(ref) >= entries.count && entries.count < maxEntries { growEntries() }
        let count = content.count
        if count * 4 > ring.count {
            remapRing(to: Self.powerOfTwo(atLeast: count * 4))
        } else {
            while ring.count < maxBytes && written + count > ring.count {
                // Not wrapped yet: positions are ring indices, so growing keeps every byte in place.
                ring.append(contentsOf: repeatElement(0, count: ring.count))
            }
        }
        var position = written
        let offset = position & (ring.count - 1)
        // An entry never wraps around the ring's end: it starts the next lap instead.
        if offset + count > ring.count { position += ring.count - offset }
        let start = position & (ring.count - 1)
        if count > 0 {
            ring.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: start).copyMemory(from: content.baseAddress!, byteCount: count) }
        }
        written = position + count
        entries[Int(ref) & (entries.count - 1)] = Entry(
            ref: ref, form: form, count: UInt32(count), position: position, time: time)
        return ref
    }

    /// Calls `body` with an entry's form, times and bytes, if the entry is still held.
    func withEntry<R>(
        _ ref: UInt32, _ body: (CorrelationBatch.EvidenceForm, EvidenceTime, UnsafeRawBufferPointer) -> R
    ) -> R? {
        guard ref != 0 else { return nil }
        let entry = entries[Int(ref) & (entries.count - 1)]
        guard entry.ref == ref, entry.position >= max(validFrom, written - ring.count) else { return nil }
        let start = entry.position & (ring.count - 1)
        return ring.withUnsafeBytes {
            body(entry.form, entry.time, UnsafeRawBufferPointer(rebasing: $0[start..<start + Int(entry.count)]))
        }
    }

    private mutating func growEntries() {
        var grown = Array(repeating: Entry(), count: entries.count * 2)
        for entry in entries where entry.ref != 0 { grown[Int(entry.ref) & (grown.count - 1)] = entry }
        entries = grown
    }

    /// Moves the intact bytes to a larger ring (for an entry longer than a quarter of the ring).
    private mutating func remapRing(to size: Int) {
        let oldMask = ring.count - 1, newMask = size - 1
        var grown = [UInt8](repeating: 0, count: size)
        validFrom = max(validFrom, written - ring.count)
        for position in validFrom..<written { grown[position & newMask] = ring[position & oldMask] }
        ring = grown
    }
}
