import VigilDetect
import VigilEvent

/// What `vigil check` verifies: Sigma detection, filter and correlation rules and the logsource mapping
/// they compile against, without running anything.
public enum RuleCheck {
    /// What one check found.
    public struct Report: Sendable {
        /// Every problem, sorted by location.
        public var diagnostics: [RuleDiagnostic] = []
        /// The logsource mapping files checked, the base first.
        public var logsourceFiles: [String] = []
        /// Set when no logsource mapping was found (see ``LoadedRules/logsourcesNotice``).
        public var logsourcesNotice: String?
    }

    /// Every problem of the rule files under `paths` and of the logsource mapping `options` names
    /// (the same files `vigil run` would load).
    public static func run(paths: [String], options: RuleLoadOptions = RuleLoadOptions()) -> Report {
        var report = Report()
        report.logsourceFiles = options.logsourceFiles
        report.logsourcesNotice = LoadedRules.logsourcesNotice(options)
        var all: [RuleDiagnostic] = []
        let (configuration, configurationProblems) = SigmaConfiguration.load(paths: report.logsourceFiles)
        all += configurationProblems
        let loaded = SigmaFileLoader.load(paths: paths)
        all += loaded.diagnostics
        let detectOptions = SigmaDetectOptions(defaultLogsource: options.defaultLogsource, regexLimits: options.regexLimits)
        // A mapping with problems is reported above; the rules are still checked, against the built-in maps.
        let (ruleSet, detectionProblems) = SigmaRuleSet.compile(
            documents: loaded.documents, configuration: configuration ?? .builtin, options: detectOptions)
        all += detectionProblems
        all += LoadedRules.correlationDiagnostics(documents: loaded.documents, detection: ruleSet)
        report.diagnostics = all.sortedByLocation()
        return report
    }
}
