import VigilEvent

/// Finds, per event, the top-level decoders that apply to its program and format, in load order, with one
/// hash lookup of the program name and no regex (the lookup itself runs on ``DecoderTables``).
///
/// Built at load: for every program name that some decoder lists exactly, the candidate list for each
/// format is precomputed. Names matched only by a `prefix*`/`*suffix` pattern get their lists from
/// ``candidates(globMask:format:)`` once per worker (see ``DecoderWorker``); all other events share the
/// lists of decoders that name no program.
struct ProgramIndex: Sendable {
    /// A run of ``lists``.
    struct ListRange: Sendable {
        var start: Int32
        var count: Int32
        static let empty = ListRange(start: 0, count: 0)
    }

    /// `prefix*` or `*suffix`.
    struct Glob: Sendable, Hashable {
        var bytes: [UInt8]
        var isPrefix: Bool

        func matches(_ name: UnsafeRawBufferPointer) -> Bool {
            guard name.count >= bytes.count else { return false }
            let offset = isPrefix ? 0 : name.count - bytes.count
            for i in 0..<bytes.count where name[offset + i] != bytes[i] { return false }
            return true
        }
    }

    /// A top-level decoder's `applies_to` entry, compiled.
    struct Selector: Sendable {
        /// nil: any program (and events without one).
        var exactNames: Set<String>?
        var globs: UInt64
        /// nil: any format.
        var formats: Set<EventFormat>?
    }

    /// An exactly named program in the open-addressing table: its name in ``arena`` and its lists.
    struct Slot: Sendable {
        var hash: UInt64 = 0
        var keyStart: Int32 = -1
        var keyCount: Int32 = 0
        var listsByFormat: Int32 = 0
    }

    private(set) var lists: [Int32] = []
    /// Per format (``EventFormat/rawValue``): events without a program, or with one no decoder names.
    private(set) var defaultLists: [ListRange] = []
    /// Four consecutive entries (one per format) per exactly named program.
    private(set) var exactLists: [ListRange] = []
    /// Open addressing, a power of two in size, at most half full.
    private(set) var slots: [Slot]
    /// The names of the slots.
    private(set) var arena: [UInt8] = []
    let globs: [Glob]
    /// Per root (same order as the storage's roots): its selectors, or nil when it applies to everything.
    private let rootSelectors: [[Selector]?]
    private let roots: [Int32]

    init(roots: [Int32], selectors: [[Selector]?], globs: [Glob]) {
        self.roots = roots
        self.rootSelectors = selectors
        self.globs = globs
        let names = Set(selectors.compactMap { $0 }.flatMap { $0 }.flatMap { $0.exactNames ?? [] }).sorted()
        var size = 16
        while size < names.count * 2 { size <<= 1 }
        slots = Array(repeating: Slot(), count: size)
        for format in EventFormat.allCases {
            defaultLists.append(appendList(candidates(exactName: nil, globMask: 0, format: format)))
        }
        for name in names {
            let mask = globMask(of: Array(name.utf8))
            let first = Int32(exactLists.count)
            for format in EventFormat.allCases {
                exactLists.append(appendList(candidates(exactName: name, globMask: mask, format: format)))
            }
            insert(Array(name.utf8), listsByFormat: first)
        }
    }

    /// The roots that apply to an event of `format` whose program name is `exactName` (nil: no name that
    /// any decoder lists exactly) and matches the globs in `globMask`.
    func candidates(exactName: String?, globMask: UInt64, format: EventFormat) -> [Int32] {
        candidates(exactNames: exactName.map { [$0] } ?? [], globMask: globMask, format: format)
    }

    /// The roots that apply to an event of `format` known by any of `exactNames` (its program and, for
    /// a tag like `sshd(pam_unix)`, the whole tag) or matching a glob of `globMask`.
    func candidates(exactNames: [String], globMask: UInt64, format: EventFormat) -> [Int32] {
        roots.indices.filter { i in
            guard let selectors = rootSelectors[i] else { return true }
            return selectors.contains { s in
                if let formats = s.formats, !formats.contains(format) { return false }
                guard let names = s.exactNames else { return s.globs == 0 }
                if exactNames.contains(where: names.contains) { return true }
                return s.globs & globMask != 0
            }
        }.map { roots[$0] }
    }

    func candidates(globMask: UInt64, format: EventFormat) -> [Int32] {
        candidates(exactName: nil, globMask: globMask, format: format)
    }

    private mutating func appendList(_ list: [Int32]) -> ListRange {
        let range = ListRange(start: Int32(lists.count), count: Int32(list.count))
        lists += list
        return range
    }

    private mutating func insert(_ name: [UInt8], listsByFormat: Int32) {
        let hash = name.withUnsafeBytes { Self.hash($0) }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].keyStart >= 0 { index = (index + 1) & mask }
        slots[index] = Slot(hash: hash, keyStart: Int32(arena.count), keyCount: Int32(name.count), listsByFormat: listsByFormat)
        arena += name
    }

    /// Which globs a program name matches (bit i: ``globs``[i]).
    func globMask(of name: UnsafeRawBufferPointer) -> UInt64 {
        var mask: UInt64 = 0
        for (i, glob) in globs.enumerated() where glob.matches(name) { mask |= 1 << UInt64(i) }
        return mask
    }

    private func globMask(of name: [UInt8]) -> UInt64 {
        name.withUnsafeBytes { globMask(of: $0) }
    }

    /// A hash of a program name from a few word loads (names are short: at most three loads).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i + 8 <= n {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            i += 8
        }
        let left = n - i
        if left >= 4 {
            // Two overlapping 4-byte loads cover 4 to 7 bytes.
            let low = UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            let high = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            h = (h ^ (low | high << 32)) &* 0x94D0_49BB_1331_11EB
        } else if left > 0 {
            let tail = UInt64(bytes[i]) | UInt64(bytes[i + left / 2]) << 8 | UInt64(bytes[n - 1]) << 16
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        return h ^ (h >> 31)
    }
}
