import ArgumentParser
import VigilCorrelate
import VigilDetect
import VigilEvent
import VigilPipeline
import VigilRegex

/// Decoder options shared by `vigil run` and `vigil parse`.
struct DecoderOptions: ParsableArguments {
    @Option(
        name: .customLong("decoders"),
        help: ArgumentHelp(
            "Decoder file or directory (repeatable; default: the shipped rules/decoders, see README: Where vigil finds its rules).",
            valueName: "path"))
    var decoderPaths: [String] = []

    @Flag(name: .customLong("no-decoders"), help: "Decode nothing (parse only).")
    var noDecoders = false

    @Flag(
        name: .customLong("skip-bad-rules"), help: "Leave out bad rule and decoder files (each is logged) instead of exiting with status 2."
    )
    var skipBadRules = false

    @Option(help: "PCRE2 match limit of decoders and Sigma 're' (a match hitting it is no match, counted).")
    var regexMatchLimit: UInt32 = RegexLimits.default.matchLimit

    @Option(help: "PCRE2 depth limit of decoders and Sigma 're'.")
    var regexDepthLimit: UInt32 = RegexLimits.default.depthLimit

    @Option(help: ArgumentHelp("PCRE2 JIT stack per worker thread: a number of bytes, or with K, M, G, T.", valueName: "size"))
    var regexJITStack: String = SizeOption.text(RegexLimits.default.jitStackSize)

    func validate() throws {
        guard !(noDecoders && !decoderPaths.isEmpty) else { throw ValidationError("--no-decoders and --decoders exclude each other") }
        _ = try SizeOption.parse(regexJITStack, option: "--regex-jit-stack", in: (32 << 10)...(64 << 20))
    }

    func apply(to rules: inout RuleLoadOptions) {
        rules.decoderPaths = noDecoders ? [] : (decoderPaths.isEmpty ? nil : decoderPaths)
        rules.skipBadRules = skipBadRules
        // validate() has checked the size.
        rules.regexLimits = RegexLimits(
            matchLimit: regexMatchLimit, depthLimit: regexDepthLimit, jitStackSize: ByteSizeText.parse(regexJITStack)!)
    }
}

/// Logsource mapping options shared by `vigil run`, `vigil parse` and `vigil check`, with the same meaning
/// in each: where events sit in Sigma's logsource taxonomy.
struct LogsourceOptions: ParsableArguments {
    @Option(
        name: .customLong("logsources"),
        help: ArgumentHelp(
            "Logsource mapping laid over the shipped one (repeatable): its sources are tried first, its field maps, defaults "
                + "and placeholders replace those of the same name.",
            valueName: "file"))
    var overlays: [String] = []

    @Flag(
        name: .customLong("no-default-logsources"),
        help: "Leave out the shipped logsource mapping (rules/logsources.yml): only --logsources files, over the built-in field maps.")
    var noDefaultLogsources = false

    @Option(
        help: ArgumentHelp(
            "Logsource of events the mapping places nowhere, e.g. product=linux,service=sshd.", valueName: "product=X,category=Y,service=Z")
    )
    var logsource: String?

    func validate() throws {
        if let logsource, SigmaLogsource.parse(logsource).logsource == nil {
            throw ValidationError("--logsource: \(SigmaLogsource.parse(logsource).error ?? "expected product=X,category=Y,service=Z")")
        }
    }

    func apply(to rules: inout RuleLoadOptions) {
        rules.logsourceOverlays = overlays
        rules.defaultLogsources = !noDefaultLogsources
        rules.defaultLogsource = logsource.flatMap { SigmaLogsource.parse($0).logsource }
    }
}

/// Detection and correlation options of `vigil run`.
struct RuleOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp("Sigma rule file or directory, detection and correlation (repeatable).", valueName: "path"))
    var rulePaths: [String] = []

    @Option(
        help: ArgumentHelp(
            "Correlation alerts: all (every qualifying window), episodes, threshold (SEC SingleWithThreshold).", valueName: "mode"))
    var emit: String = RunOptions.defaultCorrelation.emit.rawValue

    @Option(help: ArgumentHelp("How late (event time) an event may arrive and still count: 5s, 500ms, 2m.", valueName: "duration"))
    var lateness: String = "5s"

    @Option(help: "Live groups per correlation rule before one is evicted (furthest below its threshold among the least recently seen).")
    var maxGroups: Int = RunOptions.defaultCorrelation.maxGroupsPerRule

    @Option(
        help: ArgumentHelp(
            "Budget of correlation state (groups, window state, waiting inputs, evidence); past it state is shed and counted. A number of bytes, or with K, M, G, T.",
            valueName: "size"))
    var maxStateMemory: String = "512M"

    @Option(
        name: .customLong("alerts"),
        help: ArgumentHelp("Append alerts to FILE instead of writing them to standard output (never an input file).", valueName: "file"))
    var alertsPath: String?

    @Option(
        help: ArgumentHelp(
            "At the end of finite input: decide absence windows that reach past the last event (decide), or leave them undecided and count them (leave).",
            valueName: "decide|leave"))
    var absenceAtEnd: String = RunOptions.defaultCorrelation.decideAbsenceBeyondInput ? "decide" : "leave"

    @Flag(
        inversion: .prefixedNo,
        help: "Whether event time runs on with the wall clock while input is idle (default: only for listeners and piped stdin).")
    var live: Bool?

    @Flag(
        inversion: .prefixedNo,
        help:
            "Open a correlation episode as soon as a count, distinct count or non-negative sum reaches its gt/gte threshold, before the watermark (docs/correlation.md, \"Early alerts\")."
    )
    var earlyAlerts = true

    func validate() throws {
        guard CorrelationOptions.Emit(rawValue: emit) != nil else { throw ValidationError("--emit must be all, episodes or threshold") }
        _ = try DurationOption.parse(lateness, option: "--lateness")
        guard maxGroups >= 1 else { throw ValidationError("--max-groups must be at least 1") }
        _ = try SizeOption.parse(maxStateMemory, option: "--max-state-memory", in: (1 << 20)...Int.max)
        guard absenceAtEnd == "decide" || absenceAtEnd == "leave" else { throw ValidationError("--absence-at-end must be decide or leave") }
    }

    func apply(to options: inout RunOptions) {
        options.rules.rulePaths = rulePaths
        // validate() has checked both.
        options.correlation.emit = CorrelationOptions.Emit(rawValue: emit)!
        options.correlation.lateness = (try? DurationOption.parse(lateness, option: "--lateness")) ?? options.correlation.lateness
        options.correlation.maxGroupsPerRule = maxGroups
        options.correlation.maxStateBytes = ByteSizeText.parse(maxStateMemory)!
        options.correlation.decideAbsenceBeyondInput = absenceAtEnd == "decide"
        options.alertsPath = alertsPath
        options.live = live
        options.correlation.earlyAlerts = earlyAlerts
    }
}

/// Durations on the command line: a number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`); a bare number is
/// seconds. The grammar of Sigma timespans, read by the same parser (``Timestamp/Duration/parse(_:grammar:)``).
enum DurationOption {
    static func parse(_ text: String, option: String) throws(ValidationError) -> Timestamp.Duration {
        let grammar = Timestamp.Duration.Grammar.commandLine
        switch Timestamp.Duration.parse(text, grammar: grammar) {
        case .success(let duration): return duration
        case .failure(.tooLong): throw ValidationError("\(option): '\(text)' is too long")
        case .failure: throw ValidationError("\(option): '\(text)' is no duration (a number and a unit \(grammar.unitList): 5s, 500ms, 2d)")
        }
    }
}

/// Sizes on the command line and in `--config` files: a number of bytes, or a number and `K`, `M`, `G` or
/// `T` (binary units). Every size option goes through here so that all of them take the same suffixes
/// and refuse a bad size with the same message.
enum SizeOption {
    /// How a size is written, for messages and help.
    static let grammar = "a number of bytes, or with K, M, G, T"

    /// The bytes `text` stands for, which must lie in `range` (an upper bound of `Int.max` is none).
    static func parse(_ text: String, option: String, in range: ClosedRange<Int>) throws(ValidationError) -> Int {
        guard let bytes = ByteSizeText.parse(text) else {
            throw ValidationError("\(option): '\(text)' is no size (\(grammar): 64K, 1M)")
        }
        guard range.contains(bytes) else {
            let bounds =
                range.upperBound == Int.max
                ? "at least \(Self.text(range.lowerBound))" : "between \(Self.text(range.lowerBound)) and \(Self.text(range.upperBound))"
            throw ValidationError("\(option) must be \(bounds) (got '\(text)')")
        }
        return bytes
    }

    /// `bytes` in the largest unit that divides it (`64K`, `1M`, `100`), as defaults show in `--help`.
    static func text(_ bytes: Int) -> String {
        for (unit, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] where bytes != 0 && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes)"
    }
}
