import ArgumentParser
import Foundation
import VigilPipeline

/// `vigil check PATH...`: validates rule files without running them; `vigil check --config FILE`
/// validates a configuration file and everything it names.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate Sigma rules (files or directories), or a --config file, without running them.",
        discussion: """
            Prints one line per problem as file:line:column: message and exits 1 when there is any; exits 0 \
            when every rule is valid. The logsource mapping and the tier policy (rules/tiers.yml) are the ones \
            vigil run would load. Ends with one summary line on stderr: rules and files read, the mapping, problems.

            With --config FILE: checks the file's keys and values and the options they make as vigil run \
            --config FILE would (exit 2 on a problem there), then loads the decoders, logsource mapping \
            and rules it names as vigil run does (exit 1 on a problem there). PATHs and logsource options \
            given with it replace the file's. Inputs, listeners and output files are not opened.
            """
    )

    @Option(
        name: .customLong(ConfigOptions.configName),
        help: ArgumentHelp(
            "Check this configuration file of vigil run (docs/configuration.md) instead of rule files alone.", valueName: "file"))
    var config: String?

    @Argument(help: "Sigma rule files or directories (YAML, multi-document files allowed).")
    var paths: [String] = []

    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions

    @Option(
        name: .customLong("tiers"),
        help: ArgumentHelp("Tier policy file to check (default: the one vigil run would load).", valueName: "file"))
    var tiersPath: String?

    func validate() throws {
        if config == nil && paths.isEmpty { throw ValidationError("Missing expected argument '<paths> ...' (or --config FILE)") }
    }

    func run() throws {
        if let config { return try check(configuration: config) }
        var options = RuleLoadOptions()
        logsources.apply(to: &options)
        options.tiersPath = tiersPath
        let report = RuleCheck.run(paths: paths, options: options)
        let diagnostics = report.diagnostics
        if let notice = report.logsourcesNotice { standardError("vigil check: \(notice)") }
        for diagnostic in diagnostics { print(diagnostic) }
        standardError(report.summary)
        if !diagnostics.isEmpty { throw ExitCode(1) }
    }

    /// `vigil check --config FILE`: the file, the `vigil run` it makes, and what that run would load.
    private func check(configuration path: String) throws {
        let run: RunCommand
        do {
            let file = try ConfigFile.load(path: path)
            run = try ConfigArguments.runCommand(file: file, commandLine: paths.map { "--rules=\($0)" } + logsources.arguments)
        } catch {
            for line in error.problemLines { print(line) }
            standardError("vigil check: \(error.summary)")
            throw ExitCode(ConfigArguments.problemStatus)
        }
        let options = try run.makeRunOptions()
        let loaded: LoadedRules
        do {
            loaded = try LoadedRules.load(options.rules)
        } catch {
            for diagnostic in error.diagnostics { print(diagnostic) }
            standardError(
                "vigil check: \(path): \(error.diagnostics.count) problem(s) in the decoders, logsource mapping or rules it names")
            throw ExitCode(1)
        }
        for notice in [loaded.decodersNotice, loaded.logsourcesNotice].compactMap({ $0 }) { standardError("vigil check: \(notice)") }
        // A run with --skip-bad-rules would leave these out and go on; a check is asked for them.
        for diagnostic in loaded.skipped { print(diagnostic) }
        var mapping =
            loaded.logsourceFiles.isEmpty ? "no logsource mapping" : "logsource mapping " + loaded.logsourceFiles.joined(separator: " + ")
        mapping += loaded.tiersPath.map { ", tier policy \($0)" } ?? ", built-in tier policy"
        let problems = loaded.skipped.isEmpty ? "no problems" : "\(loaded.skipped.count) problem(s) (left out by --skip-bad-rules)"
        standardError(
            "vigil check: \(path): \(loaded.decoders.count) decoders, \(loaded.detection.count) detection and "
                + "\(loaded.correlation.rules.count) correlation rules, \(mapping): \(problems)")
        if !loaded.skipped.isEmpty { throw ExitCode(1) }
    }

    private func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension LogsourceOptions {
    /// These options as arguments again, to lay over a configuration file's (`vigil check --config`).
    fileprivate var arguments: [String] {
        overlays.map { "--logsources=\($0)" } + (noDefaultLogsources ? ["--no-default-logsources"] : [])
            + (logsource.map { ["--logsource=\($0)"] } ?? [])
    }
}
