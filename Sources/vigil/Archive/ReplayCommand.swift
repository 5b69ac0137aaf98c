import ArgumentParser
import VigilPipeline

/// `vigil replay --archive DIR --rules PATH...`: runs rules over archived messages exactly as a live run.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run rules over an archive (retro-hunt): the live run's path, batches and source ends repeated.",
        discussion: """
            Feeds the archive's messages to the same decode, detect, correlate and alert path as vigil run, \
            in the batches, order and sources the live run took them, with their receive times. With the \
            rules and options of the live run, the alerts equal the live run's (same ids; detected_at aside). \
            Output options are vigil run's. --from/--to keep messages with event times in the range. Idle \
            ticks of a live run (listeners) are not repeated yet: a replay of listener input may close \
            windows at other points than the live run did.
            """
    )

    @Option(help: ArgumentHelp("The archive directory.", valueName: "dir"))
    var archive: String

    @Option(help: ArgumentHelp("Event time from (RFC 3339, or before now: -1h).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Event time up to, not included.", valueName: "time"))
    var to: String?

    @OptionGroup var options: InputOptions
    @OptionGroup(title: "Decoders") var decoders: DecoderOptions
    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions
    @OptionGroup(title: "Rules and correlation") var rules: RuleOptions
    @OptionGroup(title: "Alerts: tiers, suppression, outputs") var alerts: AlertOptions

    func validate() throws {
        if !options.inputs.isEmpty { throw ValidationError("vigil replay reads the archive: give no input files") }
        _ = try ArchiveTimeOption.parse(from, option: "--from")
        _ = try ArchiveTimeOption.parse(to, option: "--to")
    }

    func run() throws {
        let logger = options.makeLogger()
        var runOptions = try analysisRunOptions(options, decoders, logsources, rules, alerts)
        guard !runOptions.hasListeners else { throw ValidationError("vigil replay reads the archive: no listeners") }
        runOptions.replay = ArchiveReplaySource(
            directory: archive, from: try ArchiveTimeOption.parse(from, option: "--from"),
            to: try ArchiveTimeOption.parse(to, option: "--to"))
        try runReportingRuleProblems(runOptions, logger: logger)
    }
}
