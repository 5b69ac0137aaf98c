import ArgumentParser
import VigilPipeline

/// `vigil parse`: prints every event as one normalized JSON line on stdout.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse logs and print one normalized JSON event per line.",
        discussion: """
            Each line has time (RFC 3339 UTC), host, app, pid, facility, severity, msg, format, fields \
            and, when parsing failed, error; decoded events also show the decoder's name and the decoded \
            fields (in fields). The last key, logsource, is where the logsource mapping places the event \
            for Sigma rules (null: nowhere). Events come out in input order whatever --workers is.

            --config FILE takes the options from the file vigil run reads (docs/configuration.md); \
            the keys of options parse does not have (rules, correlation, alerts) are left out.
            """
    )

    @OptionGroup(title: "Configuration file") var configuration: ConfigOptions
    @OptionGroup var options: InputOptions
    @OptionGroup(title: "Decoders") var decoders: DecoderOptions
    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions

    func run() throws {
        let logger = options.makeLogger()
        var runOptions = try options.runOptions(mode: .parse)
        decoders.apply(to: &runOptions.rules)
        logsources.apply(to: &runOptions.rules)
        try runReportingRuleProblems(runOptions, logger: logger)
    }
}
