import ArgumentParser
import VigilEvent
import VigilOutput
import VigilPipeline

/// Tiers, suppression and where alerts go (`vigil run`).
struct AlertOptions: ParsableArguments {
    @Option(
        name: .customLong("tiers"),
        help: ArgumentHelp(
            "Tier policy file (default: the shipped rules/tiers.yml, else the built-in defaults; see docs/alerts.md).", valueName: "file"))
    var tiersPath: String?

    @Option(name: .customLong("min-tier"), help: ArgumentHelp("Emit only alerts of this tier and above (1-3).", valueName: "n"))
    var minimumTier: Int = 1

    @Option(
        name: .customLong("suppression-gap"),
        help: ArgumentHelp(
            "Default gap (event time) within which detections of one rule and key fold into one episode: 10m, 1h (tiers.yml overrides per rule).",
            valueName: "duration"))
    var suppressionGap: String?

    @Option(name: .customLong("stdout-min-tier"), help: ArgumentHelp("Lowest tier written to standard output (1-3).", valueName: "n"))
    var stdoutMinimumTier: Int = 1

    @Option(name: .customLong("alerts-min-tier"), help: ArgumentHelp("Lowest tier written to the --alerts file (1-3).", valueName: "n"))
    var alertsMinimumTier: Int = 1

    @Option(
        name: .customLong("source-silence"),
        help: ArgumentHelp(
            "On listeners, how long a host that was sending may stay quiet before a source_silent health alert says it stopped: 5m, 1h.",
            valueName: "duration"))
    var sourceSilence: String = "5m"

    @Option(
        name: .customLong("alerts-max-size"),
        help: ArgumentHelp("Rotate the --alerts file when it would grow past this size (FILE.1 ... FILE.N): 100M, 1G.", valueName: "size"))
    var alertsMaxSize: String?

    @Option(name: .customLong("alerts-keep"), help: ArgumentHelp("Rotated --alerts files kept.", valueName: "n"))
    var alertsKeep: Int = 5

    @Option(
        name: .customLong("syslog-out"),
        help: ArgumentHelp(
            "Send alerts to a syslog receiver (RFC 5424, the alert JSON as MSG; octet counting on TCP); repeatable.",
            valueName: "udp://host:port|tcp://host:port[,min-tier=n][,facility=name]"))
    var syslogOutputs: [String] = []

    @Option(
        name: .customLong("webhook"),
        help: ArgumentHelp(
            "POST alerts as JSON arrays to URL (batched, retried with backoff, in order); repeatable.", valueName: "url[,min-tier=n]"))
    var webhooks: [String] = []

    @Option(
        name: .customLong("spool-size"),
        help: ArgumentHelp(
            "Most bytes each output spools under --state-dir while its receiver is down or slow; past it alerts are dropped, counted and logged.",
            valueName: "size"))
    var spoolSize: String = "256M"

    @Flag(name: .customLong("no-stdout"), help: "Write no alerts to standard output (other outputs still get them).")
    var noStdout = false

    func validate() throws {
        for (name, tier) in [
            ("--min-tier", minimumTier), ("--stdout-min-tier", stdoutMinimumTier), ("--alerts-min-tier", alertsMinimumTier),
        ] {
            guard (1...3).contains(tier) else { throw ValidationError("\(name) must be 1, 2 or 3, not \(tier)") }
        }
        if let alertsMaxSize { _ = try SizeOption.parse(alertsMaxSize, option: "--alerts-max-size", in: 4096...Int.max) }
        _ = try SizeOption.parse(spoolSize, option: "--spool-size", in: 0...Int.max)
        guard (1...1000).contains(alertsKeep) else { throw ValidationError("--alerts-keep must be between 1 and 1000") }
        for spec in syslogOutputs + webhooks {
            if case .failure(let error) = AlertOutputs.parse(spec) { throw ValidationError(error.message) }
        }
        for spec in syslogOutputs {
            guard spec.hasPrefix("udp://") || spec.hasPrefix("tcp://") else {
                throw ValidationError("--syslog-out '\(spec)': a syslog receiver is udp://HOST:PORT or tcp://HOST:PORT")
            }
        }
        for spec in webhooks {
            guard spec.hasPrefix("http://") || spec.hasPrefix("https://") else {
                throw ValidationError("--webhook '\(spec)': a webhook is an http:// or https:// URL")
            }
        }
        guard try DurationOption.parse(sourceSilence, option: "--source-silence") > .zero else {
            throw ValidationError("--source-silence must be more than zero")
        }
        if let suppressionGap {
            let gap = try DurationOption.parse(suppressionGap, option: "--suppression-gap")
            guard gap > .zero else { throw ValidationError("--suppression-gap must be more than zero") }
        }
    }

    func apply(to options: inout RunOptions) {
        options.rules.tiersPath = tiersPath
        if let suppressionGap { options.rules.suppressionGap = try? DurationOption.parse(suppressionGap, option: "--suppression-gap") }
        options.minimumTier = minimumTier
        options.stdoutMinimumTier = stdoutMinimumTier
        options.alertsMinimumTier = alertsMinimumTier
        options.noStdout = noStdout
        options.alertsMaxSize = alertsMaxSize.flatMap { try? SizeOption.parse($0, option: "--alerts-max-size", in: 4096...Int.max) }
        options.alertsKeep = alertsKeep
        options.syslogOutputs = syslogOutputs
        options.webhooks = webhooks
        options.spoolSize = (try? SizeOption.parse(spoolSize, option: "--spool-size", in: 0...Int.max)) ?? options.spoolSize
        if let silence = try? DurationOption.parse(sourceSilence, option: "--source-silence") {
            options.sourceSilence = .nanoseconds(silence.nanoseconds)
        }
    }
}
