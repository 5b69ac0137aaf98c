import VigilEvent

/// The correlation state of an engine, as a state file: written when a run stops on a signal, read back
/// at the next start (docs/correlation.md, "Restarts").
///
/// The file: the magic `VIGILCST`, the format version (u32), flags (u32, 0), the payload's length (u64)
/// and its FNV-1a 64 checksum (u64), then the payload: the emission mode (u8), the largest event time
/// seen and the watermark (i64 nanoseconds), the number of group shards (u32), and one section per
/// group shard and one for the chain shard (each a u64 length and its bytes, see
/// CorrelationShard+Snapshot.swift). Integers are little-endian; strings and byte runs are a u32 length
/// and their bytes.
///
/// Nothing in it is trusted: ``restore(into:options:)`` checks the framing and checksum, every length
/// against the bytes left and every index against what it names, so a corrupt, truncated or forged
/// file is refused (or a rule's part of it is), never followed out of bounds; allocations are bounded
/// by the file's size.
public struct CorrelationSnapshot: Sendable {
    /// The file's name in the state directory.
    public static let fileName = "correlation-state"
    /// The format written. Version 1 (before episode numbers and early alerts) is still read; files of
    /// other versions are refused (their state is not restored).
    public static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2
    static let magic: [UInt8] = Array("VIGILCST".utf8)
    static let headerSize = 32

    /// The state file's bytes.
    public let bytes: [UInt8]

    /// A snapshot read from a file (checked by ``restore(into:options:)``).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Frames the state of an engine. The payload is written in place after the header, whose length
    /// and checksum are filled in last (state can be large: one copy of it, not two).
    init(emit: CorrelationOptions.Emit, watermark: Watermark, groupShards: Int, sections: [[UInt8]]) {
        var file = SnapshotWriter()
        file.bytes = Self.magic
        file.u32(Self.version)
        file.u32(0)
        file.u64(0)
        file.u64(0)
        file.u8(Self.code(of: emit))
        file.i64(watermark.maxEventTime.nanoseconds)
        file.i64(watermark.current.nanoseconds)
        file.count(groupShards)
        for section in sections {
            let start = file.beginSection()
            file.bytes += section
            file.endSection(start)
        }
        let length = UInt64(file.bytes.count - Self.headerSize)
        let checksum = file.bytes.withUnsafeBytes { FNV1a.hash(UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...])) }
        var header = SnapshotWriter()
        header.u64(length)
        header.u64(checksum)
        file.bytes.replaceSubrange(16..<Self.headerSize, with: header.bytes)
        bytes = file.bytes
    }

    static func code(of emit: CorrelationOptions.Emit) -> UInt8 {
        switch emit {
        case .all: 0
        case .episodes: 1
        case .threshold: 2
        }
    }

    static func emit(code: UInt8) -> CorrelationOptions.Emit? {
        CorrelationOptions.Emit.allCases.first { Self.code(of: $0) == code }
    }

    /// Reads the state back for `ruleSet`: each rule's state goes to the rule of the same identity
    /// (Sigma `id`, else `name`, else title) whose compiled definition is unchanged; a rule that
    /// changed, or that is no longer loaded, starts empty (listed in the report). Throws when the file
    /// as a whole cannot be read (not a state file, another version, a bad checksum, truncated,
    /// inconsistent); a rule's part that cannot be read only leaves that rule empty.
    ///
    /// `startingEmpty`: indices of rules of `ruleSet` that start empty whatever the file holds (a reload
    /// knows more of a rule's definition than its compiled form: the detection rules it reads and the
    /// logsource mapping).
    public func restore(
        into ruleSet: CorrelationRuleSet, options: CorrelationOptions, startingEmpty: Set<Int> = []
    ) throws(CorrelationSnapshotError) -> RestoredCorrelation {
        guard bytes.count >= Self.headerSize, Array(bytes[0..<8]) == Self.magic else {
            throw CorrelationSnapshotError("not a vigil correlation state file")
        }
        var header = SnapshotReader(bytes, from: 8, to: Self.headerSize)
        let version = try header.u32()
        guard Self.readableVersions.contains(version) else {
            throw CorrelationSnapshotError("format version \(version), this vigil reads versions 1 and \(Self.version)")
        }
        guard try header.u32() == 0 else { throw CorrelationSnapshotError("unknown flags in the header") }
        let length = try header.u64(), checksum = try header.u64()
        guard length == UInt64(bytes.count - Self.headerSize) else {
            throw CorrelationSnapshotError("\(bytes.count - Self.headerSize) bytes of state where the header says \(length): truncated")
        }
        let computed = bytes.withUnsafeBytes { FNV1a.hash(UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...])) }
        guard computed == checksum else { throw CorrelationSnapshotError("checksum mismatch: the file is corrupt") }
        return try decode(
            SnapshotReader(bytes, from: Self.headerSize), ruleSet: ruleSet, options: options, startingEmpty: startingEmpty,
            version: version)
    }

    /// The payload, checksum aside (tests reach this directly, to show a forged file that passes the
    /// checksum is still checked in full).
    func decode(
        _ payload: SnapshotReader, ruleSet: CorrelationRuleSet, options: CorrelationOptions, startingEmpty: Set<Int> = [],
        version: UInt32 = CorrelationSnapshot.version
    ) throws(CorrelationSnapshotError) -> RestoredCorrelation {
        var input = payload
        let emitCode = try input.u8()
        guard let emit = Self.emit(code: emitCode) else { throw CorrelationSnapshotError("unknown emission mode \(emitCode)") }
        let maxEventTime = try input.i64(), watermark = try input.i64()
        guard watermark < Int64.max else { throw CorrelationSnapshotError("a watermark at the end of time") }
        let groupShards = try input.count(minimumBytes: 8)
        guard groupShards >= 1 else { throw CorrelationSnapshotError("no group shard") }
        var restored = RestoredCorrelation(bytes: input.bytes)
        restored.maxEventTime = maxEventTime
        restored.watermark = watermark
        restored.report.savedEmit = emit
        restored.report.watermark = Timestamp(nanoseconds: watermark)
        var parts: [RestoredCorrelation.SavedPart] = []
        for section in 0...groupShards {
            var reader = try input.section()
            let appliedThrough = try reader.i64()
            if section < groupShards {
                restored.groupAppliedThrough = max(restored.groupAppliedThrough, appliedThrough)
            } else {
                restored.chainAppliedThrough = appliedThrough
            }
            restored.evidence.append(try Self.readEvidence(&reader))
            // Identity, digest, label, then the part as a section.
            let ruleCount = try reader.count(minimumBytes: 24)
            for _ in 0..<ruleCount {
                let definition = RuleDefinition(identity: try reader.string(), digest: try reader.u64())
                let label = try reader.string()
                parts.append(
                    RestoredCorrelation.SavedPart(
                        section: section, definition: definition, label: label, reader: try reader.section(), version: version))
            }
            try reader.expectEnd("shard section \(section)")
        }
        try input.expectEnd("the last shard section")
        restored.match(parts, ruleSet: ruleSet, options: options, savedEmit: emit, startingEmpty: startingEmpty)
        return restored
    }

    /// A section's evidence table.
    static func readEvidence(_ reader: inout SnapshotReader) throws(CorrelationSnapshotError) -> [SnapshotEvidence] {
        let count = try reader.count(minimumBytes: 26)
        var table: [SnapshotEvidence] = []
        table.reserveCapacity(count)
        var seen = Set<UInt32>()
        for _ in 0..<count {
            let ref = try reader.u32(), formCode = try reader.u8()
            let received = try reader.i64(), event = try reader.i64(), precision = try reader.u8()
            let range = try reader.data()
            guard ref != 0, ref != EvidenceStore.expiredRef, seen.insert(ref).inserted else {
                throw CorrelationSnapshotError("evidence reference \(ref) is reserved or listed twice")
            }
            guard let form = CorrelationBatch.EvidenceForm(rawValue: formCode), precision <= 9 else {
                throw CorrelationSnapshotError("evidence \(ref): form \(formCode), precision \(precision)")
            }
            if form == .window {
                let valid = reader.bytes.withUnsafeBytes { DeferredWindow.isValid(UnsafeRawBufferPointer(rebasing: $0[range])) }
                guard valid else { throw CorrelationSnapshotError("evidence \(ref): a malformed child window") }
            }
            var time = EvidenceTime(received: Timestamp(nanoseconds: received))
            time.event = event
            time.precision = precision
            table.append(SnapshotEvidence(ref: ref, form: form, time: time, bytes: range))
        }
        return table
    }
}

/// Correlation state read back from a ``CorrelationSnapshot`` for one rule set: pass it to a
/// ``CorrelationEngine`` or ``ThreadedCorrelationEngine`` (any shard count: groups and waiting inputs
/// go to the shard their key hashes to).
public struct RestoredCorrelation: Sendable {
    /// What was restored and what was not, for the log.
    public struct Report: Sendable {
        /// Rules whose state was restored, as the log names them (`name`, else `id`, else title).
        public var restoredRules: [String] = []
        /// Rules loaded now whose definition differs from the saved one: they start empty.
        public var changedRules: [String] = []
        /// Rules with saved state that are not loaded now: their state is dropped.
        public var droppedRules: [String] = []
        /// Rules whose saved part could not be read (with why): they start empty.
        public var unreadableRules: [(rule: String, reason: String)] = []
        /// The emission mode of the saved run; when it differs from this run's, every rule starts empty.
        public var savedEmit: CorrelationOptions.Emit = .episodes
        public var emitChanged = false
        public var groups = 0
        public var waitingInputs = 0
        public var openEpisodes = 0
        /// The watermark restored: windows ending before it were decided by the saved run.
        public var watermark: Timestamp = .distantPast
    }

    public internal(set) var report = Report()
    /// The first source id a run restoring this may give its own inputs: restored inputs keep theirs,
    /// so that they stay distinct from, and sort before, the new run's events of the same instant.
    public internal(set) var nextSourceID: UInt32 = 0
    var maxEventTime = Int64.min
    var watermark = Int64.min
    var groupAppliedThrough = Int64.min
    var chainAppliedThrough = Int64.min
    /// The state file's bytes (evidence ranges point into them).
    let bytes: [UInt8]
    /// Per shard section, its evidence in the order written (oldest first).
    var evidence: [[SnapshotEvidence]] = []
    /// By rule index in the rule set restored into: the parts read (one per shard that held state).
    var parts: [Int: [RulePartSnapshot]] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// One rule's part of a shard section, not read yet.
    struct SavedPart {
        var section: Int
        var definition: RuleDefinition
        /// How the log named the rule when it was saved.
        var label: String
        var reader: SnapshotReader
        /// The file's format version.
        var version: UInt32
    }

    /// Matches saved parts to the rules of `ruleSet` and reads those that match. The report names rules
    /// as the log does (``RuleDefinition/label(of:)``).
    mutating func match(
        _ saved: [SavedPart], ruleSet: CorrelationRuleSet, options: CorrelationOptions, savedEmit: CorrelationOptions.Emit,
        startingEmpty: Set<Int> = []
    ) {
        let definitions = RuleDefinition.all(ruleSet.rules)
        var byDefinition: [RuleDefinition: Int] = [:]
        for (index, definition) in definitions.enumerated() where byDefinition[definition] == nil { byDefinition[definition] = index }
        let identities = Set(definitions.map(\.identity))
        report.emitChanged = savedEmit != options.emit
        var changed = Set<String>(), dropped = Set<String>(), unreadable: [String: String] = [:]
        var templates: [Int: RuleRuntime] = [:]
        for part in saved {
            guard !report.emitChanged, let index = byDefinition[part.definition], !startingEmpty.contains(index) else {
                if identities.contains(part.definition.identity) {
                    changed.insert(part.label)
                } else {
                    dropped.insert(part.label)
                }
                continue
            }
            guard unreadable[part.label] == nil else { continue }
            if templates[index] == nil {
                templates[index] = RuleRuntime(
                    rule: ruleSet.rules[index], plan: ruleSet.plans[index], consumerPlans: [], options: options)
            }
            var input = part.reader
            do throws(CorrelationSnapshotError) {
                parts[index, default: []].append(
                    try templates[index]!.readSnapshot(&input, section: part.section, version: part.version))
            } catch {
                // Half a rule's state is worse than none: the rule starts empty.
                unreadable[part.label] = error.message
                parts[index] = nil
            }
        }
        for (index, rule) in parts {
            let label = RuleDefinition.label(of: ruleSet.rules[index])
            // Rules without id or name are known by their title: one of two such rules may be restored
            // while the other changed.
            changed.remove(label)
            report.restoredRules.append(label)
            for part in rule {
                report.groups += part.groups.count
                report.waitingInputs += part.pending.count
                report.openEpisodes += part.groups.reduce(0) { $0 + ($1.episode == nil ? 0 : 1) } + part.announced.count
                for input in part.pending where input.source.rawValue < SnapshotLimits.maxSourceID {
                    nextSourceID = max(nextSourceID, input.source.rawValue + 1)
                }
            }
        }
        report.restoredRules.sort()
        report.changedRules = changed.sorted()
        report.droppedRules = dropped.sorted()
        report.unreadableRules = unreadable.sorted { $0.key < $1.key }.map { (rule: $0.key, reason: $0.value) }
    }
}

extension DeferredWindow {
    /// Whether `bytes` hold a well-formed deferred window (``EvidencePrinter`` reads one without
    /// checks): every length within the bytes, every item form known, nesting bounded.
    static func isValid(_ bytes: UnsafeRawBufferPointer, depth: Int = 0) -> Bool {
        guard depth < 64 else { return false }
        var offset = 0
        func skip(_ count: Int) -> Bool {
            guard count >= 0, count <= bytes.count - offset else { return false }
            offset += count
            return true
        }
        func integer() -> Int? {
            guard bytes.count - offset >= 4 else { return nil }
            return Int(readInteger(UInt32.self, bytes, at: &offset))
        }
        guard let prefix = integer(), skip(prefix), let items = integer() else { return false }
        for _ in 0..<items {
            guard bytes.count - offset >= 18, let form = CorrelationBatch.EvidenceForm(rawValue: bytes[offset]) else { return false }
            offset += 17
            guard bytes[offset] <= 9 else { return false }
            offset += 1
            guard let count = integer(), count <= bytes.count - offset else { return false }
            if form == .window, !isValid(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), depth: depth + 1) {
                return false
            }
            offset += count
        }
        return offset == bytes.count
    }
}
