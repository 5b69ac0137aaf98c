import VigilEvent

/// Places events in logsource mapping entries: the first entry (in file order) whose conditions all
/// hold. Exact app names and decoder names are hash lookups; only entries with app patterns or field
/// conditions are tried one by one, and field conditions read values gathered in one pass.
struct Router: Sendable {
    struct Entry: Sendable {
        /// Tests (in ``Router/program``) on the folded app name, any of which must match; empty = no condition.
        var appTests: Range<Int32>
        var decoders: Set<Symbol>
        /// Bit per ``EventFormat`` raw value; 0 = no condition.
        var formats: UInt8
        /// Per condition: router field slot and its tests.
        var fieldConditions: [(slot: Int32, tests: Range<Int32>)]
    }

    var program = Program()
    var entries: [Entry] = []
    /// FNV-1a of the folded app name -> entries whose app condition is exact names only.
    var appIndex = HashIndex([:])
    var decoderIndex: [Symbol: [Int32]] = [:]
    /// Entries reachable through neither index and without field conditions, ascending.
    var generalEntries: [Int32] = []
    /// Entries with field conditions, by the router slot of their first condition, ascending: only
    /// the lists of fields an event has are tried.
    var entriesByFirstField: [[Int32]] = []
    /// Router field slot by `Symbol.rawValue`, or -1.
    var fieldSlots: [Int32] = []
    var fieldSlotCount = 0
    /// Per entry, the scalars checked first so that most entries are rejected at once: the format
    /// mask and the slot of the first field condition (-1 = none).
    var entryFormats: [UInt8] = []
    var entryFirstFieldSlot: [Int32] = []

    init(entries sources: [SourceEntry]) {
        var slotOfField: [String: Int32] = [:]
        var apps: [UInt64: [Int32]] = [:]
        for (index, source) in sources.enumerated() {
            let appStart = Int32(program.tests.count)
            var exactApps: [[UInt8]] = []
            for pattern in source.apps {
                program.tests.append(Router.compileTest(pattern, into: &program))
                if let plain = pattern.plainBytes { exactApps.append(CaseFolding.fold(bytes: plain)) }
            }
            let appTests = appStart..<Int32(program.tests.count)
            var conditions: [(Int32, Range<Int32>)] = []
            for condition in source.fieldConditions {
                if slotOfField[condition.field] == nil {
                    slotOfField[condition.field] = Int32(fieldSlotCount)
                    fieldSlotCount += 1
                    let raw = Int(Symbol(condition.field).rawValue)
                    if fieldSlots.count <= raw { fieldSlots += [Int32](repeating: -1, count: raw + 1 - fieldSlots.count) }
                    fieldSlots[raw] = slotOfField[condition.field]!
                }
                let start = Int32(program.tests.count)
                for pattern in condition.values { program.tests.append(Router.compileTest(pattern, into: &program)) }
                conditions.append((slotOfField[condition.field]!, start..<Int32(program.tests.count)))
            }
            var formats: UInt8 = 0
            for format in source.formats { formats |= 1 << format.rawValue }
            entries.append(
                Entry(
                    appTests: appTests,
                    decoders: Set(source.decoders.map(Symbol.init)), formats: formats, fieldConditions: conditions))
            entryFormats.append(formats)
            entryFirstFieldSlot.append(conditions.first?.0 ?? -1)
            let entry = Int32(index)
            if !source.apps.isEmpty && exactApps.count == source.apps.count {
                for app in exactApps { apps[Router.hash(app), default: []].append(entry) }
            } else if source.apps.isEmpty && !source.decoders.isEmpty {
                for decoder in source.decoders { decoderIndex[Symbol(decoder), default: []].append(entry) }
            } else if let first = conditions.first {
                while entriesByFirstField.count <= Int(first.0) { entriesByFirstField.append([]) }
                entriesByFirstField[Int(first.0)].append(entry)
            } else {
                generalEntries.append(entry)
            }
        }
        while entriesByFirstField.count < fieldSlotCount { entriesByFirstField.append([]) }
        appIndex = HashIndex(apps)
    }

    /// Compiles a case-insensitive pattern into a single test of `program`.
    static func compileTest(_ pattern: SigmaPattern, into program: inout Program) -> Program.Test {
        var builder = ProgramBuilder()
        builder.program = program
        let detection = ParsedDetection(
            identifiers: [
                (
                    "value",
                    .item(
                        FieldItem(
                            field: "value", groups: [ValueGroup(alternatives: [.pattern(pattern, cased: false)])], linkAll: false,
                            negated: false, line: 0, column: 0))
                )
            ],
            conditions: [.identifier("value")])
        _ = builder.compile(detection, file: "")
        let test = builder.program.tests.last!
        // Keep the literals and glob tokens the builder added; the test itself is appended by the caller.
        program.literals = builder.program.literals
        program.glob = builder.program.glob
        return test
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        FNV1a.hash(bytes)
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { hash($0) } }
}
