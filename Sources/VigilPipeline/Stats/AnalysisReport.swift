import VigilCorrelate
import VigilDecode
import VigilDetect

/// What decoding, detection, correlation and alert writing did over a run: the part of the
/// ``RunSummary`` past parsing.
public struct AnalysisReport: Sendable {
    /// One decoder's counts.
    public struct DecoderLine: Sendable, Hashable {
        public var name: String
        public var matched: UInt64
        public var limitExceeded: UInt64
        public var invalidFields: UInt64
    }

    /// One detection rule's matches.
    public struct RuleLine: Sendable, Hashable {
        /// The rule's Sigma `name`, else its `id`, else `file:line`.
        public var rule: String
        public var title: String
        /// What the text summary prints: the `name`, else the title.
        public var label: String
        public var detections: UInt64
        /// Whether its detections became alerts (false: they only fed correlations).
        public var alerts: Bool
    }

    /// Decoders loaded (0: decoding was off).
    public var decoderCount: Int = 0
    /// Events the decoders saw and decoded.
    public var decodedEvents: UInt64 = 0
    public var decoderEvents: UInt64 = 0
    /// Per decoder, those with any count, in load order.
    public var decoders: [DecoderLine] = []
    /// Events a message decoder decoded (with fields from the message), and events that matched a
    /// program decoder only (``DecoderCounters/programDecoderOnly``); together ``decodedEvents``.
    public var decodedWithFields: UInt64 = 0
    public var programDecoderOnly: UInt64 = 0
    /// The most frequent shapes of events no message decoder took (at most 10), when counted.
    public var unmatchedShapes: [UnmatchedShape] = []
    /// Whether ``unmatchedShapes`` were counted at all (`--log-level info` or `--stats-json`).
    public var unmatchedShapesCounted = false
    /// Whether the shape counts are exact (no worker's table overflowed).
    public var unmatchedShapesExact = true
    /// Detection rules loaded.
    public var ruleCount: Int = 0
    /// Of those, the rules without a required literal or network: the prefilter cannot skip them, so
    /// they are evaluated on every event of their logsource.
    public var alwaysEvaluatedRules: Int = 0
    /// Correlation rules loaded.
    public var correlationRuleCount: Int = 0
    /// Rule and decoder files left out by `--skip-bad-rules`.
    public var skippedFiles: [String] = []
    /// Detect stage totals (nil when no rules were loaded).
    public var detector: DetectorCounters?
    /// Per detection rule with detections, in rule order.
    public var rules: [RuleLine] = []
    /// Correlation counters (nil without correlation rules).
    public var correlation: CorrelationStats?
    /// What the alert sink wrote (nil when no rules were loaded).
    public var alerts: AlertSequencer.Counts?

    public init() {}

    /// ``alwaysEvaluatedRules`` over ``ruleCount`` (0 without rules).
    public var alwaysEvaluatedShare: Double { ruleCount > 0 ? Double(alwaysEvaluatedRules) / Double(ruleCount) : 0 }

    /// Decoder matches abandoned at a ReDoS limit, over all decoders.
    public var decoderLimitHits: UInt64 { decoders.reduce(0) { $0 + $1.limitExceeded } }

    /// Fills in the decoder lines from merged counters.
    mutating func add(decoders counters: DecoderCounters) {
        decoderCount = counters.names.count
        decodedEvents = counters.decoded
        decoderEvents = counters.events
        decodedWithFields = counters.decodedWithFields
        programDecoderOnly = counters.programDecoderOnly
        unmatchedShapes = counters.topUnmatchedShapes(10)
        unmatchedShapesExact = counters.unmatchedShapeReplacements == 0
        decoders = counters.entries.filter { $0.matched + $0.limitExceeded + $0.invalidFields > 0 }.map {
            DecoderLine(name: $0.name, matched: $0.matched, limitExceeded: $0.limitExceeded, invalidFields: $0.invalidFields)
        }
    }

    /// Fills in the detection lines from merged counters.
    mutating func add(detector counters: DetectorCounters, rules ruleSet: SigmaRuleSet, routing: DetectionRouting) {
        detector = counters
        rules = counters.matchesPerRule.enumerated().filter { $0.element > 0 }.map { index, count in
            let rule = ruleSet.rules[index]
            return RuleLine(
                rule: rule.name ?? rule.alertIdentifier, title: rule.title, label: rule.name ?? rule.title, detections: UInt64(count),
                alerts: routing.alerts[index])
        }
    }

    /// Adds the figures of a later rule generation (a reload) to these: totals add up, decoders and
    /// rules by name (a rule's line takes the newer title and whether it alerts).
    mutating func absorb(newer: AnalysisReport) {
        decodedEvents += newer.decodedEvents
        decoderEvents += newer.decoderEvents
        decodedWithFields += newer.decodedWithFields
        programDecoderOnly += newer.programDecoderOnly
        unmatchedShapes = newer.unmatchedShapesCounted ? newer.unmatchedShapes : unmatchedShapes
        unmatchedShapesExact = unmatchedShapesExact && newer.unmatchedShapesExact
        for line in newer.decoders {
            if let index = decoders.firstIndex(where: { $0.name == line.name }) {
                decoders[index].matched += line.matched
                decoders[index].limitExceeded += line.limitExceeded
                decoders[index].invalidFields += line.invalidFields
            } else {
                decoders.append(line)
            }
        }
        if var counters = newer.detector {
            // Per-rule matches are indexed by each generation's rules: kept by name in ``rules``.
            counters.matchesPerRule = []
            var merged = detector ?? DetectorCounters()
            merged.matchesPerRule = []
            merged.add(counters)
            detector = merged
        }
        for line in newer.rules {
            if let index = rules.firstIndex(where: { $0.rule == line.rule }) {
                let detections = rules[index].detections + line.detections
                rules[index] = line
                rules[index].detections = detections
            } else {
                rules.append(line)
            }
        }
    }
}
