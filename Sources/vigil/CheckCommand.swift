import ArgumentParser
import Foundation
import VigilDetect
import VigilEvent
import VigilPipeline

/// `vigil check PATH...`: validates rule files without running them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate Sigma rules (files or directories) without running them.",
        discussion: """
            Prints one line per problem as file:line:column: message and exits 1 when there is any; exits 0 \
            when every rule is valid.
            """
    )

    @Argument(help: "Sigma rule files or directories (YAML, multi-document files allowed).")
    var paths: [String]

    @Option(
        name: .customLong("logsources"),
        help: ArgumentHelp("Logsource mapping (default: rules/logsources.yml when it exists).", valueName: "file"))
    var logsources: String?

    func run() throws {
        let diagnostics = RuleCheck.diagnostics(paths: paths, logsourcesPath: logsources)
        for diagnostic in diagnostics { print(diagnostic) }
        if !diagnostics.isEmpty {
            FileHandle.standardError.write(Data("vigil check: \(diagnostics.count) problem(s)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Everything `vigil check` verifies, in one place so each engine adds its checks with one call.
enum RuleCheck {
    static let defaultLogsourcesPath = "rules/logsources.yml"

    /// All problems of the rule files and the logsource mapping, sorted by location.
    static func diagnostics(paths: [String], logsourcesPath: String?) -> [RuleDiagnostic] {
        var all: [RuleDiagnostic] = []
        let (configuration, configurationProblems) = loadConfiguration(logsourcesPath)
        all += configurationProblems
        let loaded = SigmaFileLoader.load(paths: paths)
        all += loaded.diagnostics
        let (ruleSet, detectionProblems) = SigmaRuleSet.compile(documents: loaded.documents, configuration: configuration ?? .builtin)
        all += detectionProblems
        all += correlationDiagnostics(documents: loaded.documents, ruleSet: ruleSet)
        return all.sortedByLocation()
    }

    /// The logsource mapping given, or the default one when it exists, or the built-in field maps.
    static func loadConfiguration(_ path: String?) -> (SigmaConfiguration?, [RuleDiagnostic]) {
        if let path { return SigmaConfiguration.load(path: path) }
        if FileManager.default.fileExists(atPath: defaultLogsourcesPath) { return SigmaConfiguration.load(path: defaultLogsourcesPath) }
        return (.builtin, [])
    }

    /// Correlation rule checks (unknown rule references, bad timespans, ...) over the same documents and
    /// detection rule set.
    static func correlationDiagnostics(documents: [SigmaDocument], ruleSet: SigmaRuleSet) -> [RuleDiagnostic] {
        LoadedRules.correlationDiagnostics(documents: documents, detection: ruleSet)
    }
}
