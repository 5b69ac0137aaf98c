import VigilAlert
import VigilCorrelate
import VigilDecode
import VigilDetect
import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything a run matches with, loaded and compiled once before any input is read: decoders, Sigma
/// detection rules (carrying the fields correlations need) and correlation rules.
///
/// Shared read-only by every worker and the correlation stage.
public struct LoadedRules: Sendable {
    public var decoders: DecoderSet
    /// Detection rules, already ``SigmaRuleSet/carrying(_:)`` the correlation fields.
    public var detection: SigmaRuleSet
    public var correlation: CorrelationRuleSet
    /// The tier policy, and what it decides for each rule.
    public var alertPolicy: AlertPolicy
    /// The tier policy file loaded (nil: the built-in defaults).
    public var tiersPath: String?
    /// Problems of the files left out with ``RuleLoadOptions/skipBadRules`` (each names its file).
    public var skipped: [RuleDiagnostic]
    /// Files left out with ``RuleLoadOptions/skipBadRules``, in the order they were found.
    public var skippedFiles: [String]
    /// The decoder paths loaded from (the shipped folder when none was given and one was found).
    public var decoderPaths: [String] = []
    /// The logsource mapping files loaded, the base first (empty: the built-in field maps only).
    public var logsourceFiles: [String] = []
    /// How long loading took, before any input was read (the run summary shows it).
    public var loadTime = RunSummary.LoadTime()
    /// Why no decoders are loaded, when none are and `--no-decoders` did not ask for that: a run that
    /// silently decodes nothing also matches nothing that needs decoded fields.
    public var decodersNotice: String?
    /// Why no logsource mapping is loaded, when none is and `--no-default-logsources` did not ask for
    /// that: rules that name a product, category or service then see no event the mapping would place.
    public var logsourcesNotice: String?
    /// What the set is made of, for a reload to compare (see ``RuleFingerprints``).
    public var fingerprints = RuleFingerprints()

    /// Whether the run detects anything (otherwise the detect and correlation stages are left out).
    public var hasRules: Bool { detection.count > 0 }

    /// Loads and compiles everything `options` names.
    ///
    /// - Throws: ``RuleLoadError`` with every problem as `file:line:column: message` when a decoder
    ///   file, rule file or the logsource mapping has a problem (unless ``RuleLoadOptions/skipBadRules``,
    ///   which leaves bad decoder and rule files out; a bad logsource mapping always fails).
    public static func load(_ options: RuleLoadOptions) throws(RuleLoadError) -> LoadedRules {
        let clock = ContinuousClock()
        let started = clock.now
        let startedCPU = LoadedRules.processCPUSeconds()
        let (decoders, skippedDecoders) = try DecoderSet.load(
            paths: options.effectiveDecoderPaths,
            options: DecoderSet.LoadOptions(limits: options.regexLimits, skipBadFiles: options.skipBadRules))
        let decodersLoaded = clock.now
        let configuration = try loadConfiguration(options.logsourceFiles)
        let tiersPath = options.effectiveTiersPath
        var tiers = try tiersPath.map { path throws(RuleLoadError) in try TierPolicy.load(path: path) } ?? TierPolicy()
        if let gap = options.suppressionGap { tiers.suppression.gap = gap }
        let detectOptions = SigmaDetectOptions(defaultLogsource: options.defaultLogsource, regexLimits: options.regexLimits)
        let loaded = SigmaFileLoader.load(paths: options.rulePaths)
        var documents = loaded.documents
        var badFiles: [String] = []
        var skipped: [RuleDiagnostic] = []
        var problems = loaded.diagnostics
        while true {
            let (detection, detectionProblems) = SigmaRuleSet.compile(
                documents: documents, configuration: configuration, options: detectOptions)
            let (correlation, correlationProblems) = CorrelationRuleSet.compile(documents) { detection.rule(reference: $0)?.ruleID }
            problems += detectionProblems + correlationProblems
            if problems.isEmpty {
                let policy = AlertPolicy(policy: tiers, detection: detection, correlation: correlation)
                var carried = correlation.requiredFieldNames
                for (index, decision) in policy.detection.enumerated() where !decision.key.isEmpty {
                    carried[RuleID(UInt32(index)), default: []] += decision.key
                }
                var rules = LoadedRules(
                    decoders: decoders, detection: detection.carrying(carried), correlation: correlation, alertPolicy: policy,
                    tiersPath: tiersPath, skipped: skippedDecoders + skipped, skippedFiles: orderedFiles(skippedDecoders) + badFiles)
                rules.loadTime = RunSummary.LoadTime(
                    decoders: (decodersLoaded - started).seconds, rules: (clock.now - decodersLoaded).seconds,
                    cpu: LoadedRules.processCPUSeconds() - startedCPU)
                rules.decoderPaths = options.effectiveDecoderPaths
                rules.logsourceFiles = options.logsourceFiles
                rules.decodersNotice = decodersNotice(options, loaded: decoders.count)
                rules.logsourcesNotice = logsourcesNotice(options)
                var missing: [RuleDiagnostic] = []
                rules.fingerprints = RuleFingerprints.make(
                    documents: documents, detection: detection, correlation: correlation,
                    decoderFiles: DecoderSet.decoderFiles(under: options.effectiveDecoderPaths, missing: &missing),
                    decoderCount: decoders.count, mappingFiles: options.logsourceFiles)
                return rules
            }
            guard options.skipBadRules else { throw RuleLoadError(problems.sortedByLocation()) }
            // Leave out every file with a problem and compile again: a correlation that read a rule of a
            // left-out file now has a problem of its own, and its file goes too.
            let files = orderedFiles(problems)
            badFiles += files.filter { !badFiles.contains($0) }
            skipped += problems.sortedByLocation()
            documents.removeAll { files.contains($0.file) }
            problems = []
        }
    }

    /// CPU time of the whole process so far (every thread): before any input is read, loading is all
    /// the process does, so the difference is loading's CPU time, which a busy machine does not inflate
    /// as it does the wall-clock time.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The logsource mapping files laid over each other (the first over the built-in field maps).
    static func loadConfiguration(_ paths: [String]) throws(RuleLoadError) -> SigmaConfiguration {
        let (configuration, problems) = SigmaConfiguration.load(paths: paths)
        guard let configuration, problems.isEmpty else {
            let file = paths.first ?? "logsources"
            throw RuleLoadError(problems.isEmpty ? [RuleDiagnostic(file: file, line: 0, column: 0, message: "cannot load")] : problems)
        }
        return configuration
    }

    /// The notice for a run that loads no decoders without having been told to (see ``decodersNotice``).
    static func decodersNotice(_ options: RuleLoadOptions, loaded: Int) -> String? {
        guard loaded == 0 else { return nil }
        switch options.decoderPaths {
        case .some(let paths) where paths.isEmpty:
            return nil  // --no-decoders
        case .some(let paths):
            return "no decoders loaded from \(paths.joined(separator: ", ")): events are parsed but not decoded"
        case .none:
            return "no decoders loaded: no \(ShippedRules.decoders)/ in \(options.shipped.searchedText); events are parsed but not "
                + "decoded (--decoders PATH names them, --no-decoders turns this notice off)"
        }
    }

    /// The notice for a run that loads no logsource mapping without having been told to (see
    /// ``logsourcesNotice``).
    static func logsourcesNotice(_ options: RuleLoadOptions) -> String? {
        guard options.logsourceFiles.isEmpty, options.logsourcesPath == nil, options.defaultLogsources else { return nil }
        let matched = options.defaultLogsource == nil ? "match nothing" : "see only events of --logsource"
        return "no logsource mapping loaded: no \(ShippedRules.logsources) in \(options.shipped.searchedText); rules that name "
            + "a product, category or service \(matched) (--logsources FILE names a mapping, --no-default-logsources turns this "
            + "notice off)"
    }

    /// Problems of correlation rules over detection rules already compiled from the same documents
    /// (what `vigil check` adds to the detection checks).
    public static func correlationDiagnostics(documents: [SigmaDocument], detection: SigmaRuleSet) -> [RuleDiagnostic] {
        CorrelationRuleSet.compile(documents) { detection.rule(reference: $0)?.ruleID }.diagnostics
    }

    static func orderedFiles(_ diagnostics: [RuleDiagnostic]) -> [String] {
        var files: [String] = []
        for diagnostic in diagnostics where !files.contains(diagnostic.file) { files.append(diagnostic.file) }
        return files
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for the run summary).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Whether a path exists (file or directory).
func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}
