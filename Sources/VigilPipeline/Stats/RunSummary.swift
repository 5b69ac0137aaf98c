import VigilArchive
import VigilEvent
import VigilIngest

/// The end-of-run report: events in, by format, parse errors by reason, drops by reason, rate, and
/// what each input and stage did. Printed on stderr by `vigil run`, written by `--stats-json`.
public struct RunSummary: Sendable {
    public var elapsedSeconds: Double
    public var workers: Int
    public var parse: ParseCounters
    public var inputs: [IngestCounters.Snapshot]
    /// Worker stages, then ordered stages.
    public var stages: [StageCounters]
    /// Decoders, detection, correlation and alerts (nil for `vigil parse` without decoders).
    public var analysis: AnalysisReport?
    /// Input fields dropped because their name was new and the symbol table's cap on input field names
    /// (``RunOptions/maxFieldNames``) was reached; their events were kept without them.
    public var fieldNamesDropped: UInt64 = 0
    /// Where event times came from, and events stamped too far ahead (``RunOptions/maxClockSkew``).
    public var eventTime = EventTimeCounters()
    /// The process's peak resident memory at the end of the run (0 when unknown).
    public var peakMemoryBytes: UInt64 = 0
    /// Raw batches waiting in the input ring when the summary was taken, and how many it holds.
    public var ringOccupancy = 0
    public var ringCapacity = 0
    /// Time spent loading decoders and rules before any input was read (not part of
    /// ``elapsedSeconds``, so events/s measures the input alone).
    public var loadTime = LoadTime()
    /// Reloads (SIGHUP) that switched the run to a new rule set, and those that failed (the rule set
    /// had errors, and the running set stayed).
    public var reloads: UInt64 = 0
    /// With `--archive`: what the archive writer did (messages, bytes raw and stored, waits).
    public var archive: ArchiveCounters?
    public var failedReloads: UInt64 = 0

    /// Seconds spent loading, by part.
    public struct LoadTime: Sendable, Hashable {
        /// Decoder files: reading, compiling every pattern (PCRE2 JIT).
        public var decoders: Double
        /// The logsource mapping and the Sigma detection and correlation rules: reading and compiling.
        public var rules: Double
        /// CPU seconds (every thread) spent loading: what to subtract from a run's CPU time to get the
        /// CPU the input itself took.
        public var cpu: Double

        public init(decoders: Double = 0, rules: Double = 0, cpu: Double = 0) {
            self.decoders = decoders
            self.rules = rules
            self.cpu = cpu
        }

        public var total: Double { decoders + rules }
    }

    public init(
        elapsedSeconds: Double,
        workers: Int,
        parse: ParseCounters,
        inputs: [IngestCounters.Snapshot],
        stages: [StageCounters],
        analysis: AnalysisReport? = nil
    ) {
        self.elapsedSeconds = elapsedSeconds
        self.workers = workers
        self.parse = parse
        self.inputs = inputs
        self.stages = stages
        self.analysis = analysis
    }

    /// Events that came out of parsing (every message read becomes one, parsed or raw).
    public var events: UInt64 { parse.events }

    public var eventsPerSecond: Double {
        elapsedSeconds > 0 ? Double(events) / elapsedSeconds : 0
    }

    /// Parse failures by reason, only the reasons that occurred, in declaration order.
    public var parseErrors: [(reason: ParseFailure.Reason, count: UInt64)] {
        ParseFailure.Reason.allCases.compactMap { reason in
            let count = parse.failures(for: reason)
            return count > 0 ? (reason, count) : nil
        }
    }

    /// Messages (or, for `garbage_peer`, `buffer_cap` and `connection_limit`, connections) lost, by reason: from the inputs and every stage.
    public var drops: [(reason: DropReason, count: UInt64)] {
        var byReason: [DropReason: UInt64] = [:]
        for input in inputs {
            if input.droppedBackpressure > 0 { byReason[.backpressure, default: 0] += input.droppedBackpressure }
            if input.droppedByKernel > 0 { byReason[.receiveBuffer, default: 0] += input.droppedByKernel }
            if input.garbageDisconnects > 0 { byReason[.garbagePeer, default: 0] += input.garbageDisconnects }
            if input.readErrors > 0 { byReason[.readError, default: 0] += input.readErrors }
            if input.bufferCapDisconnects > 0 { byReason[.bufferCap, default: 0] += input.bufferCapDisconnects }
            if input.refusedConnections > 0 { byReason[.connectionLimit, default: 0] += input.refusedConnections }
            if input.lostAtShutdown > 0 { byReason[.shutdown, default: 0] += input.lostAtShutdown }
        }
        for stage in stages {
            for (reason, count) in stage.dropped { byReason[DropReason("\(stage.stage).\(reason.name)"), default: 0] += count }
        }
        return byReason.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Messages cut to the maximum size, over all inputs.
    public var truncated: UInt64 { inputs.reduce(0) { $0 + $1.truncated } }
    /// Bytes cut off those messages, over all inputs.
    public var discardedBytes: UInt64 { inputs.reduce(0) { $0 + $1.discardedBytes } }
    /// Blank lines skipped, over all inputs.
    public var emptyLines: UInt64 { inputs.reduce(0) { $0 + $1.emptyLines } }
}
