import VigilAlert
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
        /// The tier policy file checked (nil: none found, the built-in defaults apply).
        public var tiersFile: String?
        /// Rule files read (YAML files under the paths given).
        public var files = 0
        /// Documents read, by kind (a rule collection or a document that is no rule counts in none).
        public var detectionRules = 0
        public var filters = 0
        public var correlationRules = 0

        /// Files with at least one problem.
        public var filesWithProblems: Int { Set(diagnostics.map(\.file)).count }

        /// The one line `vigil check` ends with on stderr: what was read, and how many problems where.
        public var summary: String {
            func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
                "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
            }
            let rules =
                "\(count(detectionRules + filters + correlationRules, "rule")) (\(detectionRules) detection, "
                + "\(count(filters, "filter")), \(correlationRules) correlation) in \(count(files, "file"))"
            var mapping = logsourceFiles.isEmpty ? "no logsource mapping" : "logsource mapping " + logsourceFiles.joined(separator: " + ")
            mapping += tiersFile.map { ", tier policy \($0)" } ?? ", built-in tier policy"
            let problems =
                diagnostics.isEmpty ? "no problems" : "\(count(diagnostics.count, "problem")) in \(count(filesWithProblems, "file"))"
            return "vigil check: \(rules), \(mapping): \(problems)"
        }
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
        var missing: [RuleDiagnostic] = []
        report.files = SigmaFileLoader.ruleFiles(under: paths, diagnostics: &missing).count
        for document in loaded.documents {
            switch document.kind {
            case .detection: report.detectionRules += 1
            case .filter: report.filters += 1
            case .correlation: report.correlationRules += 1
            }
        }
        let detectOptions = SigmaDetectOptions(defaultLogsource: options.defaultLogsource, regexLimits: options.regexLimits)
        // A mapping with problems is reported above; the rules are still checked, against the built-in maps.
        let (ruleSet, detectionProblems) = SigmaRuleSet.compile(
            documents: loaded.documents, configuration: configuration ?? .builtin, options: detectOptions)
        all += detectionProblems
        all += LoadedRules.correlationDiagnostics(documents: loaded.documents, detection: ruleSet)
        // The tier policy `vigil run` would load.
        if let tiers = options.effectiveTiersPath {
            report.tiersFile = tiers
            do throws(RuleLoadError) {
                _ = try TierPolicy.load(path: tiers)
            } catch {
                all += error.diagnostics
            }
        }
        report.diagnostics = all.sortedByLocation()
        return report
    }
}
