import VigilEvent

#if canImport(Glibc)
    import Glibc
#endif

/// One worker's candidate lists for program names that no decoder lists exactly (`postfix/smtpd` under
/// `postfix/*`, or a name no decoder wants), worked out on a name's first sight: which `prefix*`/`*suffix`
/// patterns it matches never changes, so later events of that program pay one hash probe, like names
/// listed exactly. Holds at most ``maxNames`` names; when full it starts over, so input with endless
/// distinct program names costs a recomputation per name, never unbounded memory.
///
/// Events whose RFC 3164 tag said more than the program (`sshd(pam_unix)`: program `sshd`, field
/// `syslog_tag`) are cached under their whole tag, as a separate kind of key: their list holds the
/// decoders that apply to the program or to the tag.
struct ProgramCache {
    struct Slot {
        var hash: UInt64 = 0
        var keyStart: Int32 = -1
        var keyCount: Int32 = 0
        /// Index into ``ranges`` of four runs of ``lists`` (one per ``EventFormat``).
        var ranges: Int32 = 0
        /// The key is a whole tag (see above), not a program name.
        var isTag = false
    }

    static let maxNames = 1024
    private static let slotCount = 2 * maxNames

    private let slots: UnsafeMutablePointer<Slot>
    private var names: [UInt8] = []
    private var ranges: [ProgramIndex.ListRange] = []
    private(set) var lists: UnsafeMutablePointer<Int32>
    private var listCount = 0
    private var listCapacity = 256
    private var count = 0
    private let index: ProgramIndex

    init(index: ProgramIndex) {
        self.index = index
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
        lists = .allocate(capacity: listCapacity)
    }

    func deallocate() {
        slots.deallocate()
        lists.deallocate()
    }

    /// The candidate list of `name` (whose ``ProgramIndex/hash(_:)`` is `hash`) for `format`, as a run of
    /// ``lists``; valid until the next call.
    @inline(__always)
    mutating func candidates(for name: UnsafeRawBufferPointer, hash: UInt64, format: EventFormat) -> ProgramIndex.ListRange {
        candidates(key: name, hash: hash, program: nil, format: format)
    }

    /// The candidate list of an event whose tag `tag` names the program `program` (`sshd(pam_unix)`,
    /// `sshd`): decoders for either. `hash` is the tag's ``ProgramIndex/hash(_:)``.
    @inline(__always)
    mutating func candidates(
        tag: UnsafeRawBufferPointer, program: UnsafeRawBufferPointer, hash: UInt64, format: EventFormat
    ) -> ProgramIndex.ListRange {
        candidates(key: tag, hash: hash ^ Self.tagSeed, program: program, format: format)
    }

    /// Keeps tag keys apart from a program of the same name (a JSON `program` may be `sshd(pam_unix)`).
    private static let tagSeed: UInt64 = 0x5851_F42D_4C95_7F2D

    @inline(__always)
    private mutating func candidates(
        key name: UnsafeRawBufferPointer, hash: UInt64, program: UnsafeRawBufferPointer?, format: EventFormat
    ) -> ProgramIndex.ListRange {
        let isTag = program != nil
        let mask = Self.slotCount - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].keyStart >= 0 {
            let slot = slots[i]
            if slot.hash == hash && Int(slot.keyCount) == name.count && slot.isTag == isTag && equals(slot, name) {
                return ranges[Int(slot.ranges) + Int(format.rawValue)]
            }
            i = (i + 1) & mask
        }
        return insert(name, hash: hash, program: program, at: i, format: format)
    }

    private func equals(_ slot: Slot, _ name: UnsafeRawBufferPointer) -> Bool {
        name.count == 0
            || names.withUnsafeBytes { memcmp($0.baseAddress! + Int(slot.keyStart), name.baseAddress!, name.count) == 0 }
    }

    private mutating func insert(
        _ name: UnsafeRawBufferPointer, hash: UInt64, program: UnsafeRawBufferPointer?, at slot: Int, format: EventFormat
    ) -> ProgramIndex.ListRange {
        var position = slot
        if count == Self.maxNames {
            slots.update(repeating: Slot(), count: Self.slotCount)
            names.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
            listCount = 0
            count = 0
            position = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        }
        var globMask = index.globMask(of: name)
        // A tag's decoders: those of its program (listed exactly or by glob) and those of the tag.
        var exactNames: [String] = []
        if let program {
            globMask |= index.globMask(of: program)
            exactNames = [String(decoding: program, as: UTF8.self), String(decoding: name, as: UTF8.self)]
        }
        let first = Int32(ranges.count)
        for f in EventFormat.allCases {
            let list = index.candidates(exactNames: exactNames, globMask: globMask, format: f)
            reserveLists(list.count)
            (lists + listCount).initialize(from: list, count: list.count)
            ranges.append(ProgramIndex.ListRange(start: Int32(listCount), count: Int32(list.count)))
            listCount += list.count
        }
        slots[position] = Slot(
            hash: hash, keyStart: Int32(names.count), keyCount: Int32(name.count), ranges: first, isTag: program != nil)
        names.append(contentsOf: name)
        count += 1
        return ranges[Int(first) + Int(format.rawValue)]
    }

    private mutating func reserveLists(_ more: Int) {
        guard listCount + more > listCapacity else { return }
        while listCount + more > listCapacity { listCapacity *= 2 }
        let grown = UnsafeMutablePointer<Int32>.allocate(capacity: listCapacity)
        grown.moveInitialize(from: lists, count: listCount)
        lists.deallocate()
        lists = grown
    }
}
