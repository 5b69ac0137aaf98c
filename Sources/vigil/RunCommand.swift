import ArgumentParser
import Foundation
import Logging
import VigilPipeline

/// `vigil run`: reads the inputs through the pipeline and prints a summary on stderr.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read logs from files, stdin or syslog listeners; decode, detect, correlate and print alerts.",
        discussion: """
            Parses every message, decodes it (the shipped rules/decoders by default), matches the Sigma rules given \
            with --rules and their correlations, and writes alerts as JSON lines on stdout (or --alerts \
            FILE). Reads every input to its end, then prints a summary on stderr (events in, events/s, the \
            time spent loading rules and decoders, by format, parse errors, drops, decoders, detections \
            per rule, correlation, alerts). With --udp, \
            --tcp or --tls, runs until SIGINT or SIGTERM; either signal stops accepting, reads what open \
            connections already delivered (within --shutdown-grace), drains the pipeline and exits cleanly, \
            keeping the open correlation windows in --state-dir for the next start (which continues from \
            them when the rules are the same). SIGUSR1 prints the summary so far and the run goes on; SIGHUP does not stop it (reload is not \
            supported yet).

            --alerts FILE is appended to. An output file that is also an input is a usage error (exit \
            64); a missing input, a directory or an unwritable --stats-json stops the run before any \
            input is read (exit 1).

            Invalid rules, decoders or logsource mapping: every problem is printed as \
            file:line:column: message and vigil exits with status 2 before reading any input \
            (unless --skip-bad-rules).

            --config FILE reads the options from a YAML file keyed by their long names \
            (docs/configuration.md); a problem in it is printed as file:line:column: message and vigil \
            exits with status 2 before reading any input.
            """
    )

    @OptionGroup(title: "Configuration file") var configuration: ConfigOptions
    @OptionGroup var options: InputOptions
    @OptionGroup(title: "Decoders") var decoders: DecoderOptions
    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions
    @OptionGroup(title: "Rules and correlation") var rules: RuleOptions
    @OptionGroup(title: "Alerts: tiers, suppression, outputs") var alerts: AlertOptions
    @OptionGroup(title: "The analyst's desk: alert store, HTTP API, console") var console: ConsoleOptions
    @OptionGroup(title: "Forensic archive") var archive: ArchiveRunOptions

    func run() throws {
        let logger = options.makeLogger()
        var runOptions = try makeRunOptions()
        var desk: AnalystDesk? = nil
        if console.http != nil {
            do {
                desk = try AnalystDesk(console, runOptions: &runOptions, logger: logger)
            } catch {
                throw VigilFailure(message: error.message)
            }
        }
        defer { desk?.stop() }
        try runReportingRuleProblems(runOptions, logger: logger)
    }

    /// What the options ask for (`vigil check --config` loads its rules without running).
    func makeRunOptions() throws -> RunOptions {
        var runOptions = try analysisRunOptions(options, decoders, logsources, rules, alerts)
        try archive.apply(to: &runOptions)
        return runOptions
    }
}

/// The run options of a command that analyzes (`vigil run`, `vigil replay`, `vigil cluster analyze`):
/// input and parsing, decoders, the logsource mapping, rules and correlation, alerts.
func analysisRunOptions(
    _ options: InputOptions, _ decoders: DecoderOptions, _ logsources: LogsourceOptions, _ rules: RuleOptions, _ alerts: AlertOptions
) throws -> RunOptions {
    var runOptions = try options.runOptions(mode: .run)
    decoders.apply(to: &runOptions.rules)
    logsources.apply(to: &runOptions.rules)
    rules.apply(to: &runOptions)
    alerts.apply(to: &runOptions)
    return runOptions
}

/// Runs, turning rule and decoder problems into one stderr line each and exit status 2, and options
/// that contradict each other into a usage error (exit status 64).
func runReportingRuleProblems(_ options: RunOptions, logger: Logger) throws {
    do {
        _ = try Runner.run(options, logger: logger)
    } catch .rules(let error) {
        for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
        FileHandle.standardError.write(Data("vigil: \(error.diagnostics.count) problem(s) in rules or decoders; nothing was read\n".utf8))
        throw ExitCode(2)
    } catch .usage(let message) {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        throw ExitCode.validationFailure
    } catch {
        throw VigilFailure(message: error.description)
    }
}

/// A run that failed with a message already written for the user.
struct VigilFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
