import ArgumentParser
import VigilEvent
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

    @Flag(name: .customLong("no-stdout"), help: "Write no alerts to standard output (other outputs still get them).")
    var noStdout = false

    func validate() throws {
        for (name, tier) in [
            ("--min-tier", minimumTier), ("--stdout-min-tier", stdoutMinimumTier), ("--alerts-min-tier", alertsMinimumTier),
        ] {
            guard (1...3).contains(tier) else { throw ValidationError("\(name) must be 1, 2 or 3, not \(tier)") }
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
        if let silence = try? DurationOption.parse(sourceSilence, option: "--source-silence") {
            options.sourceSilence = .nanoseconds(silence.nanoseconds)
        }
    }
}
