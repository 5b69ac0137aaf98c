import ArgumentParser
import Foundation
import VigilPipeline

/// `vigil check PATH...`: validates rule files without running them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate Sigma rules (files or directories) without running them.",
        discussion: """
            Prints one line per problem as file:line:column: message and exits 1 when there is any; exits 0 \
            when every rule is valid. The logsource mapping and the tier policy (rules/tiers.yml) are the ones vigil run would load. Ends with one \
            summary line on stderr: rules and files read, the mapping, problems.
            """
    )

    @Argument(help: "Sigma rule files or directories (YAML, multi-document files allowed).")
    var paths: [String]

    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions

    @Option(
        name: .customLong("tiers"),
        help: ArgumentHelp("Tier policy file to check (default: the one vigil run would load).", valueName: "file"))
    var tiersPath: String?

    func run() throws {
        var options = RuleLoadOptions()
        logsources.apply(to: &options)
        options.tiersPath = tiersPath
        let report = RuleCheck.run(paths: paths, options: options)
        let diagnostics = report.diagnostics
        if let notice = report.logsourcesNotice { FileHandle.standardError.write(Data("vigil check: \(notice)\n".utf8)) }
        for diagnostic in diagnostics { print(diagnostic) }
        FileHandle.standardError.write(Data((report.summary + "\n").utf8))
        if !diagnostics.isEmpty { throw ExitCode(1) }
    }
}
