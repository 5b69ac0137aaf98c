/// The evidence (event JSON) of recent inputs of one shard, in a fixed-size ring.
///
/// Window state keeps 32-bit references instead of the JSON itself, so a million idle groups do not
/// hold a million event texts. A reference whose entry was overwritten reads as nil: evidence is a
/// bounded sample and may miss entries under load (counted in ``CorrelationStats/evidenceExpired``).
struct EvidenceStore {
    private var items: [String]
    private var refs: [UInt32]
    private var nextRef: UInt32 = 1
    private let mask: Int

    /// Keeps the last `capacity` entries (rounded up to a power of two).
    init(capacity: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        items = Array(repeating: "", count: size)
        refs = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Stores an event's JSON and returns its reference (never 0).
    mutating func add(_ json: String) -> UInt32 {
        let ref = nextRef
        nextRef = nextRef == .max ? 1 : nextRef + 1
        let slot = Int(ref) & mask
        items[slot] = json
        refs[slot] = ref
        return ref
    }

    /// The JSON of a reference, if still held.
    func get(_ ref: UInt32) -> String? {
        let slot = Int(ref) & mask
        return refs[slot] == ref && ref != 0 ? items[slot] : nil
    }
}
