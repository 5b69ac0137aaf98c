import VigilEvent
import VigilRegex

/// What one ``Detector`` did, summed by the pipeline over workers for the run summary.
public struct DetectorCounters: Sendable, Equatable {
    /// Events looked at.
    public var events = 0
    /// Events no logsource mapping entry placed (they went to the fallback route).
    public var unplacedEvents = 0
    /// Rule evaluations after the prefilter (a measure of its selectivity).
    public var ruleEvaluations = 0
    public var detections = 0
    /// `re` matches that hit a ReDoS limit (counted as no match).
    public var regexLimitHits = 0
    /// Detections per rule, indexed by ``RuleID``.
    public var matchesPerRule: [Int] = []

    public init() {}

    public mutating func add(_ other: DetectorCounters) {
        events += other.events
        unplacedEvents += other.unplacedEvents
        ruleEvaluations += other.ruleEvaluations
        detections += other.detections
        regexLimitHits += other.regexLimitHits
        if matchesPerRule.count < other.matchesPerRule.count {
            matchesPerRule += [Int](repeating: 0, count: other.matchesPerRule.count - matchesPerRule.count)
        }
        for (i, n) in other.matchesPerRule.enumerated() { matchesPerRule[i] += n }
    }
}

/// One worker's matcher: routes each event to its logsource's rules, prefilters them by literals,
/// evaluates the candidates and appends a ``Detection`` per (event, matching rule).
///
/// Not `Sendable`: it owns PCRE2 match data and per-event buffers. Create one per worker thread from
/// a shared ``SigmaRuleSet``.
public struct Detector {
    /// Its program and router are read in place through it, never copied into the detector: the
    /// mutating matcher methods copied such stored structs whole (a memcpy and a dozen retains) per use.
    public let ruleSet: SigmaRuleSet
    /// What this detector did; its per-rule counts are kept in ``rules`` and assembled when read.
    public var counters: DetectorCounters {
        var counters = tally
        counters.matchesPerRule = Array(UnsafeBufferPointer(start: rules.matchesPerRule, count: rules.ruleCount))
        return counters
    }
    /// ``counters`` but the per-rule counts.
    var tally = DetectorCounters()

    let routes: [Route]
    let compiled: [CompiledRule]
    /// The rule set's hot tables as plain pointers (see ``DetectorTables``), kept here so that the
    /// views below, copied out of it (reading them does not even load the class), stay valid.
    let tables: DetectorTables
    let program: DetectorTables.ProgramView
    let routerProgram: DetectorTables.ProgramView
    /// Program root of each rule (read per evaluation without touching the rule's metadata).
    let roots: UnsafeBufferPointer<Int32>
    let routeViews: UnsafeBufferPointer<DetectorTables.RouteView>
    let routerView: DetectorTables.RouterView
    let values = EventValues()
    let scratch: RegexScratch
    /// Candidate, matched and per-rule state (see ``RuleScratch``).
    let rules: RuleScratch
    /// Literal indices a scanner found in the current value.
    var literalHits: [Int32] = []
    /// The matched event's JSON is rendered once per event, by this worker's renderer.
    var renderer = EventJSONRenderer()
    var jsonBuffer: [UInt8] = []
    /// The carried values of the current detection (see ``detect(_:_:)``).
    var carriedScratch: [UnsafeRawBufferPointer?] = []
    /// Router field values of the current event (see ``RouterScratch``).
    let routerScratch: RouterScratch
    /// Route of the event being matched.
    var route = 0
    var keywordSlot = 0
    /// Per route: slot by field `Symbol.rawValue`.
    let slotCache: RouteSlotCache

    public init(ruleSet: SigmaRuleSet) {
        self.ruleSet = ruleSet
        self.routes = ruleSet.routes
        self.compiled = ruleSet.compiled
        let tables = DetectorTables(ruleSet: ruleSet)
        self.tables = tables
        self.program = tables.program
        self.routerProgram = tables.routerProgram
        self.roots = tables.roots
        self.routeViews = tables.routes
        self.routerView = tables.router
        self.scratch = RegexScratch(limits: ruleSet.options.regexLimits)
        self.rules = RuleScratch(ruleCount: ruleSet.count)
        self.routerScratch = RouterScratch(slotCount: ruleSet.router.fieldSlotCount)
        self.slotCache = RouteSlotCache(routeCount: ruleSet.routes.count)
    }

    /// Matches every event of `batch`, appending one detection per (event, matching rule) in event
    /// order, rules in ``RuleID`` order. The detection's `event` is the normalized event JSON.
    public mutating func detect(_ batch: EventBatch, into detections: inout [Detection]) {
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            for index in batch.events.indices {
                // Through a pointer: an Event is ~150 bytes, copying it per stage call shows up.
                batch.events.withUnsafeBufferPointer { matchEvent($0.baseAddress! + index, in: batch) }
                if rules.matchedCount == 0 { continue }
                let event = batch.events[index]
                jsonBuffer.removeAll(keepingCapacity: true)
                renderer.append(event, of: batch, to: &jsonBuffer)
                let json = String(decoding: jsonBuffer, as: UTF8.self)
                for rule in rules.matchedRules {
                    detections.append(
                        Detection(
                            rule: RuleID(UInt32(rule)), time: event.time, source: event.source, sequence: event.sequence,
                            values: carriedValues(of: Int(rule)), event: json))
                }
            }
            values.batchBase = nil
        }
    }

    /// The rules event `index` of `batch` matches (tests and tools; allocates).
    public mutating func matchingRules(ofEvent index: Int, in batch: EventBatch) -> [RuleID] {
        var result: [RuleID] = []
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            batch.events.withUnsafeBufferPointer { matchEvent($0.baseAddress! + index, in: batch) }
            result = rules.matchedRules.map { RuleID(UInt32($0)) }
            values.batchBase = nil
        }
        return result
    }

    /// The logsources the mapping places an event in (empty when no entry does).
    public mutating func logsources(ofEvent index: Int, in batch: EventBatch) -> [SigmaLogsource] {
        var result: [SigmaLogsource] = []
        batch.bytes.withUnsafeBytes { bytes in
            values.batchBase = bytes.baseAddress
            values.begin(slotCount: ruleSet.maximumSlots)
            let r = batch.events.withUnsafeBufferPointer { resolveRoute($0.baseAddress! + index, in: batch) }
            if r < routes.count - 2 { result = routes[r].logsources }
            values.batchBase = nil
        }
        return result
    }

    mutating func matchEvent(_ event: UnsafePointer<Event>, in batch: EventBatch) {
        let rules = self.rules
        rules.matchedCount = 0
        tally.events += 1
        values.begin(slotCount: ruleSet.maximumSlots)
        if values.epoch == 1 { rules.resetStamps() }
        route = resolveRoute(event, in: batch)
        if route >= routes.count - 2 { tally.unplacedEvents += 1 }
        if !routeViews[route].hasRules { return }
        fillSlots(event, in: batch)
        collectCandidates()
        tally.ruleEvaluations += rules.candidateCount
        for k in 0..<rules.candidateCount {
            let rule = rules.candidates[k]
            if evaluate(roots[Int(rule)]) {
                rules.matchesPerRule[Int(rule)] &+= 1
                rules.matched[rules.matchedCount] = rule
                rules.matchedCount &+= 1
            }
        }
        tally.detections += rules.matchedCount
    }

    /// The values `rule` carries, as Strings: the same pick as ``fillCarried(of:)`` (which it uses).
    mutating func carriedValues(of rule: Int) -> [(name: Symbol, value: String?)] {
        if compiled[rule].carried.isEmpty { return [] }
        fillCarried(of: rule)
        return zip(compiled[rule].carriedNames, carriedScratch).map { name, bytes in
            (name, bytes.map { String(decoding: $0, as: UTF8.self) })
        }
    }
}
