import VigilArchive
import VigilCorrelate
import VigilEvent
import VigilIngest
import VigilOutput

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything `vigil run` and `vigil parse` were asked to do (the CLI only fills this in).
public struct RunOptions: Sendable {
    /// `run` reports a summary; `parse` prints every event as a JSON line.
    public enum Mode: Sendable, Hashable {
        case run
        case parse
    }

    public var mode: Mode
    /// Files to read; `-` is stdin. Empty, with no listener, means stdin.
    public var inputs: [String]
    public var udp: [ListenAddress]
    public var tcp: [ListenAddress]
    /// TLS syslog listeners (RFC 5425), with ``tlsFiles``.
    public var tls: [ListenAddress] = []
    /// Certificate and key of the TLS listeners.
    public var tlsFiles: ListenerTLS?
    /// Connection limits, idle timeout, buffer caps and shutdown grace of the TCP and TLS listeners
    /// (its `maxMessageSize` is replaced by ``maxMessageSize``).
    public var listener = ListenerConfiguration()
    public var parser: ParserOptions
    /// Longest message kept (longer ones are cut, marked and counted).
    public var maxMessageSize: Int
    public var workers: Int
    /// Where to write the summary as JSON, if anywhere.
    public var statsJSONPath: String?
    /// Batches the input ring holds.
    public var ringCapacity: Int
    /// Bytes read per batch from files and stdin.
    public var readBatchSize: Int
    /// Decoders, rules and the logsource mapping (`vigil parse` uses the decoders only).
    public var rules: RuleLoadOptions
    /// Emission, lateness and memory bounds of correlation (the shard count follows ``workers``).
    public var correlation: CorrelationOptions
    /// Where alerts go (nil: standard output).
    public var alertsPath: String?
    /// The lowest tier emitted at all (`--min-tier`).
    public var minimumTier = 1
    /// The lowest tier standard output and the `--alerts` file take.
    public var stdoutMinimumTier = 1
    public var alertsMinimumTier = 1
    /// No alerts on standard output even without `--alerts` (other outputs take them).
    public var noStdout = false
    /// Size-based rotation of the `--alerts` file (`--alerts-max-size`; nil: none) and how many rotated
    /// files are kept (`--alerts-keep`).
    public var alertsMaxSize: Int?
    public var alertsKeep = 5
    /// Syslog receivers (`--syslog-out udp://HOST:PORT[,min-tier=N]`, `tcp://…`).
    public var syslogOutputs: [String] = []
    /// Webhooks (`--webhook URL[,min-tier=N]`).
    public var webhooks: [String] = []
    /// Most bytes each output's spool file under ``stateDirectory`` may hold (`--spool-size`).
    public var spoolSize = 256 << 20
    /// How long the end of a run waits for a syslog receiver or webhook that is down before leaving
    /// its alerts in the spool for the next run.
    public var outputDrainTimeout: Duration = .seconds(10)
    /// How long a sending host may stay quiet on a listener before a `source_silent` health alert
    /// says it stopped (`--source-silence`).
    public var sourceSilence: Duration = .seconds(300)
    /// Whether idle input moves the correlation watermark with the wall clock; nil decides by the
    /// inputs (live: a listener, or standard input that is not a regular file).
    public var live: Bool?
    /// The most distinct field names taken from the input (JSON keys, structured-data parameters) into
    /// the process-wide symbol table; past it new names are dropped and counted
    /// (``RunSummary/fieldNamesDropped``). Rule and decoder field names are always interned.
    public var maxFieldNames = SymbolTable.defaultDynamicNameLimit
    /// How far ahead of its receive time (live input) or of its source's progress (replays) an event's
    /// own time may lie and still move event time at once (`--max-clock-skew`); see docs/correlation.md.
    public var maxClockSkew: Timestamp.Duration = RunOptions.defaultMaxClockSkew
    /// How far behind its receive time an event on a listener may be stamped and still be correlated at
    /// its own time (`--max-clock-lag`); older ones are correlated at their receive time, so that no
    /// sender can hold event time back for the others.
    public var maxClockLag: Timestamp.Duration = RunOptions.defaultMaxClockLag
    /// Read file inputs on as they grow, across rotation (`--follow`), keeping each file's position in
    /// ``stateDirectory``.
    public var follow = false
    /// Where vigil keeps what outlives a run (`--state-dir`): followed files' positions.
    public var stateDirectory = RunOptions.defaultStateDirectory
    /// Outputs built outside the pipeline (the alert store of `--http`), after the run's own; each
    /// finishes with a local output's patience (it waits for its reader at the end of the run).
    public var extraOutputs: [any AlertOutput] = []
    /// What takes alerts out before any output sees them (the analysts' exceptions), if anything.
    public var alertFilter: (any AlertFilter)?
    /// Told how the run stands about once per ``observerInterval`` and at its end (`/metrics`, `/readyz`).
    public var observer: (any RunObserver)?
    public var observerInterval: Duration = .seconds(1)
    /// `--archive DIR`: every message received goes into the forensic archive there (docs/archive.md).
    public var archiveDirectory: String?
    /// How the archive writes (segment and block sizes, flushing, retention, the chain's key).
    public var archive = ArchiveOptions()
    /// Where the run's batches go instead of an archive directory: the cluster edge's publisher
    /// (VigilCluster), which joins the run through this seam. Not together with ``archiveDirectory``.
    public var recordSink: (any ArchiveRecordSink)?
    /// Whether a stop by a signal keeps the open correlation windows in the state directory and the next
    /// start continues from them (docs/correlation.md, "Restarts"). Off for a cluster analyzer: the one
    /// that takes over replays the stream from its start, so kept state would count twice.
    public var keepsCorrelationState = true
    /// `vigil replay` and the cluster's analyzers: the input is recorded batches (an archive, a raw
    /// stream), as the live run took them (no files, no stdin).
    public var replay: (any RecordedBatchFeed)?

    /// Five minutes: clocks of real senders drift by seconds, zones by whole hours.
    public static let defaultMaxClockSkew = Timestamp.Duration.seconds(300)
    /// Ten minutes: a forwarder catching up after a short outage; a host whose zone is hours off, or one
    /// replaying old stamps, is correlated as it arrives.
    public static let defaultMaxClockLag = Timestamp.Duration.seconds(600)
    /// Bytes per input batch of a run that correlates (why: `StagePlan.correlationReadBatchSize`). The
    /// cluster edge, which has no rules, cuts its batches so too: batch boundaries decide when event
    /// time moves, and the analyzers must see the batches a single correlating run would.
    public static let correlatingReadBatchSize = 256 << 10
    /// `./vigil-state`, next to where vigil runs.
    public static let defaultStateDirectory = "vigil-state"

    public init(
        mode: Mode,
        inputs: [String] = [],
        udp: [ListenAddress] = [],
        tcp: [ListenAddress] = [],
        parser: ParserOptions = ParserOptions(),
        maxMessageSize: Int = 64 * 1024,
        workers: Int = RunOptions.defaultWorkers,
        statsJSONPath: String? = nil,
        ringCapacity: Int = 64,
        readBatchSize: Int = 1 << 20,
        rules: RuleLoadOptions = RuleLoadOptions(),
        correlation: CorrelationOptions = RunOptions.defaultCorrelation,
        alertsPath: String? = nil,
        live: Bool? = nil
    ) {
        self.mode = mode
        self.inputs = inputs
        self.udp = udp
        self.tcp = tcp
        self.parser = parser
        self.maxMessageSize = maxMessageSize
        self.workers = workers
        self.statsJSONPath = statsJSONPath
        self.ringCapacity = ringCapacity
        self.readBatchSize = readBatchSize
        self.rules = rules
        self.correlation = correlation
        self.alertsPath = alertsPath
        self.live = live
    }

    /// Correlation as `vigil run` does it by default: episodes, 5 s lateness, 100,000 groups per rule,
    /// and absence windows decided at the end of finite input (as a live stream that stops would decide
    /// them once the wall-clock watermark passed).
    public static var defaultCorrelation: CorrelationOptions {
        var options = CorrelationOptions()
        options.decideAbsenceBeyondInput = true
        return options
    }

    /// The number of cores.
    public static var defaultWorkers: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Whether detections fold into episodes (every emission mode but `--emit all`).
    var suppresses: Bool { correlation.emit != .all }

    /// Whether any UDP, TCP or TLS listener is asked for.
    /// Whether any listener is configured (`vigil replay` refuses them).
    public var hasListeners: Bool { !udp.isEmpty || !tcp.isEmpty || !tls.isEmpty }

    /// The file inputs, with stdin added when nothing else was given.
    var streamInputs: [String] {
        if replay != nil { return inputs }
        if inputs.isEmpty && !hasListeners { return ["-"] }
        return inputs
    }
}
