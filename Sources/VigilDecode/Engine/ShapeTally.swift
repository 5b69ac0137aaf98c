import VigilEvent

/// One worker's count of the shapes of events no message decoder took: the program and the first
/// words of the message (`klogind` `Kerberos authentication failed`), digits folded to `N`.
///
/// A sender chooses the shapes, so the table is fixed: ``capacity`` entries per worker, kept with the
/// Space-Saving algorithm (Metwally, Agrawal and El Abbadi, 2005). A shape not in a full table takes the
/// place of the entry with the smallest count and starts from that count plus one; the count it
/// inherited is its ``Entry/overcount``. Every shape seen more than `total / capacity` times is in the
/// table, and no count is too high by more than its overcount. Memory is the same whatever the input;
/// each shape costs one pass over the table's 64 fingerprints.
final class ShapeTally {
    static let capacity = 64
    /// Bytes kept of a shape: the program (up to ``programLimit``), a separator, the first words.
    static let shapeLimit = 80
    static let programLimit = 32
    /// Words of the message a shape keeps.
    static let words = 3
    static let separator: UInt8 = 0x1F

    // @exclusivity(unchecked): one worker owns this object on one thread (like ``WorkerState``).
    private let fingerprints: UnsafeMutablePointer<UInt64>
    private let counts: UnsafeMutablePointer<UInt64>
    private let overcounts: UnsafeMutablePointer<UInt64>
    private let texts: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<UInt8>
    private let scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var used = 0
    /// Shapes that pushed another out of the full table.
    @exclusivity(unchecked) private(set) var replacements: UInt64 = 0

    init() {
        fingerprints = .allocate(capacity: Self.capacity)
        counts = .allocate(capacity: Self.capacity)
        overcounts = .allocate(capacity: Self.capacity)
        texts = .allocate(capacity: Self.capacity * Self.shapeLimit)
        lengths = .allocate(capacity: Self.capacity)
        scratch = .allocate(capacity: Self.shapeLimit)
    }

    deinit {
        fingerprints.deallocate()
        counts.deallocate()
        overcounts.deallocate()
        texts.deallocate()
        lengths.deallocate()
        scratch.deallocate()
    }

    /// Counts one event of program `program` (empty when it has none) whose message is `message`.
    func add(program: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) {
        let length = Self.shape(program: program, message: message, into: scratch)
        let shape = UnsafeRawBufferPointer(start: scratch, count: length)
        let fingerprint = FNV1a.hash(shape)
        var smallest = 0
        for i in 0..<used {
            if fingerprints[i] == fingerprint {
                counts[i] &+= 1
                return
            }
            if counts[i] < counts[smallest] { smallest = i }
        }
        let slot: Int
        let inherited: UInt64
        if used < Self.capacity {
            slot = used
            used += 1
            inherited = 0
        } else {
            slot = smallest
            inherited = counts[smallest]
            replacements &+= 1
        }
        fingerprints[slot] = fingerprint
        counts[slot] = inherited &+ 1
        overcounts[slot] = inherited
        (texts + slot * Self.shapeLimit).update(from: scratch, count: length)
        lengths[slot] = UInt8(length)
    }

    /// Writes the shape of an event into `out` (``shapeLimit`` bytes) and returns its length: the
    /// program, ``separator``, then the first ``words`` words of the message, one space apart, each run
    /// of digits written as one `N` (so `port 22` and `port 2222` are one shape).
    static func shape(program: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        for byte in program.prefix(programLimit) {
            out[n] = byte
            n += 1
        }
        out[n] = separator
        n += 1
        var words = 0
        var i = 0
        let space = UInt8(ascii: " ")
        while i < message.count && n < shapeLimit {
            while i < message.count && (message[i] == space || message[i] == UInt8(ascii: "\t")) { i += 1 }
            guard i < message.count else { break }
            if words == Self.words { break }
            if words > 0 {
                out[n] = space
                n += 1
            }
            words += 1
            while i < message.count && message[i] != space && message[i] != UInt8(ascii: "\t") && n < shapeLimit {
                let byte = message[i]
                if byte &- 0x30 < 10 {
                    out[n] = UInt8(ascii: "N")
                    n += 1
                    while i < message.count && message[i] &- 0x30 < 10 { i += 1 }
                } else {
                    out[n] = byte
                    n += 1
                    i += 1
                }
            }
        }
        return n
    }

    /// The table as it stands.
    func snapshot() -> [UnmatchedShape] {
        (0..<used).map { i in
            let text = UnsafeBufferPointer(start: texts + i * Self.shapeLimit, count: Int(lengths[i]))
            let cut = text.firstIndex(of: Self.separator) ?? text.count
            return UnmatchedShape(
                program: String(decoding: text[..<cut], as: UTF8.self),
                words: String(decoding: text[min(cut + 1, text.count)...], as: UTF8.self), count: counts[i], overcount: overcounts[i])
        }
    }

    /// Empties the table (``DecoderWorker/counters`` set to zero counts).
    func reset() {
        used = 0
        replacements = 0
    }
}

/// A shape of events no message decoder took (see ``DecoderCounters/unmatchedShapes``).
public struct UnmatchedShape: Sendable, Hashable {
    /// The event's program (app), empty when it had none.
    public var program: String
    /// The first words of its message, digit runs written as `N`.
    public var words: String
    /// Events of this shape counted: exact when ``overcount`` is 0, otherwise at most that much too high.
    public var count: UInt64
    /// How much of ``count`` the shape inherited when it took a full table's smallest entry.
    public var overcount: UInt64

    public init(program: String, words: String, count: UInt64, overcount: UInt64) {
        self.program = program
        self.words = words
        self.count = count
        self.overcount = overcount
    }
}
