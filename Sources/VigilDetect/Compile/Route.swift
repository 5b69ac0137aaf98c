import VigilEvent

/// Where a route reads one event value: a field by its interned name, or a property of the event.
enum SlotTarget: Hashable, Sendable {
    case field(Symbol)
    /// Dotted field names where `*` is one path segment, resolved per symbol on first sight.
    case fieldPattern(String)
    case property(EventProperty)
}

/// The rules that apply to one family of events (one logsource mapping entry, or the fallback for
/// events no entry places), with everything needed to match them: where each Sigma field is read,
/// and the literal prefilter over those fields.
///
/// A class so that workers reach it through one reference per event instead of copying a dozen
/// arrays; immutable after construction.
final class Route: Sendable {
    /// Scans one value source for the needles rules of this route require: literals (in the folded
    /// value) and `cidr` networks (containing the address the value holds).
    final class Scanner: Sendable {
        /// A slot, or ``Program/Predicate/keywords``.
        let scope: Int32
        /// Literal `i` is needle `i`; nil when the scope has no literal needles.
        let literals: LiteralSet?
        /// Network `j` is needle `literals.count + j`; nil when the scope has no network needles.
        let networks: NetworkIndex?
        /// Rules enabled by needle `i`: `needleRules[needleRuleStart[i] ..< needleRuleStart[i + 1]]`.
        let needleRuleStart: [Int32]
        let needleRules: [Int32]

        init(scope: Int32, literals: LiteralSet?, networks: NetworkIndex?, needleRuleStart: [Int32], needleRules: [Int32]) {
            self.scope = scope
            self.literals = literals
            self.networks = networks
            self.needleRuleStart = needleRuleStart
            self.needleRules = needleRules
        }
    }

    let name: String
    let logsources: [SigmaLogsource]
    let fieldMap: String
    /// Rule indices (into the rule set), ascending.
    let rules: [Int32]
    /// Rules without a usable literal requirement: evaluated for every event of the route.
    let alwaysRules: [Int32]
    /// Value sources, indexed by slot.
    let slots: [SlotTarget]
    /// Slots of Sigma field `f`: `fieldSlots[fieldSlotStart[f] ..< fieldSlotStart[f + 1]]`, in order
    /// of preference (the first slot the event has wins).
    let fieldSlotStart: [Int32]
    let fieldSlots: [Int32]
    /// Slot of a field symbol (indexed by `Symbol.rawValue`), or -1, for names known at compile time.
    /// Workers extend this per symbol they meet (see ``Detector``): names with spaces read as the
    /// name without them (spec: Field Usage), and pattern slots match by segments.
    let symbolSlots: [Int32]
    let patternSlots: [(slot: Int32, pattern: [Substring])]
    /// Slots that read event properties, filled for every event of the route.
    let propertySlots: [(slot: Int32, property: EventProperty)]
    let scanners: [Scanner]
    let usesKeywords: Bool

    init(
        name: String, logsources: [SigmaLogsource], fieldMap: String, rules: [Int32], alwaysRules: [Int32], slots: [SlotTarget],
        fieldSlotStart: [Int32], fieldSlots: [Int32], symbolSlots: [Int32], patternSlots: [(slot: Int32, pattern: [Substring])],
        propertySlots: [(slot: Int32, property: EventProperty)], scanners: [Scanner], usesKeywords: Bool
    ) {
        self.name = name
        self.logsources = logsources
        self.fieldMap = fieldMap
        self.rules = rules
        self.alwaysRules = alwaysRules
        self.slots = slots
        self.fieldSlotStart = fieldSlotStart
        self.fieldSlots = fieldSlots
        self.symbolSlots = symbolSlots
        self.patternSlots = patternSlots
        self.propertySlots = propertySlots
        self.scanners = scanners
        self.usesKeywords = usesKeywords
    }

    /// The slot an event field name feeds, or -1 (the slow path behind a worker's cache).
    func resolveSlot(of symbol: Symbol) -> Int32 {
        let raw = Int(symbol.rawValue)
        if raw < symbolSlots.count, symbolSlots[raw] >= 0 { return symbolSlots[raw] }
        let name = symbol.name
        let spaceless = name.contains(" ") ? name.filter { $0 != " " } : name
        if spaceless != name, let other = SymbolTable.shared.lookup(spaceless), Int(other.rawValue) < symbolSlots.count,
            symbolSlots[Int(other.rawValue)] >= 0
        {
            return symbolSlots[Int(other.rawValue)]
        }
        if !patternSlots.isEmpty {
            let segments = spaceless.split(separator: ".", omittingEmptySubsequences: false)
            for (slot, pattern) in patternSlots where pattern.count == segments.count {
                if zip(pattern, segments).allSatisfy({ $0 == "*" || $0 == $1 }) { return slot }
            }
        }
        return -1
    }

    @inline(__always)
    func slots(ofField field: Int32) -> Range<Int> {
        Int(fieldSlotStart[Int(field)])..<Int(fieldSlotStart[Int(field) + 1])
    }
}
