import Logging
import Synchronization
import VigilAlert
import VigilCorrelate
import VigilDecode
import VigilDetect
import VigilEvent
import VigilOutput

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which stages a run has, built from its options and loaded rules:
///
/// - workers: parse, then decode (when decoders are loaded), then detect (`vigil run` with rules) or
///   render (`vigil parse`);
/// - ordered: event times, event-time progress, the detection alert stage, correlate (with
///   correlation rules), the health alert stage (`vigil run` with rules), or
///   the standard output writer (`vigil parse`).
///
/// Keeps every worker's decoder and detector so their counters can be reported after the run, per
/// rule generation (the rules the run started with, then each reload's, see ``RuleGeneration``).
struct StagePlan {
    let options: RunOptions
    /// The rules the run started with (generation 0).
    let rules: LoadedRules
    let live: Bool
    /// The rules the run started with, then each rule set a reload switched to.
    let generations: RuleGenerations
    /// Whether decoders count the shapes of events no message decoder took (see ``DecoderWorker``).
    let tracksUnmatchedShapes: Bool

    init(options: RunOptions, rules: LoadedRules, live: Bool, tracksUnmatchedShapes: Bool = false) {
        self.options = options
        self.rules = rules
        self.live = live
        self.tracksUnmatchedShapes = tracksUnmatchedShapes
        self.generations = RuleGenerations(RuleGeneration(rules: rules, shards: options.workers, suppresses: options.suppresses))
    }

    /// The first generation's routing.
    var routing: DetectionRouting { generations.first.routing }

    /// Input batches in flight when correlating. A result then carries its correlation inputs (about
    /// 180 bytes per detection: a 64-byte record, the message as evidence, the key); with the default
    /// 64-batch ring and its reorder buffer full behind a busy correlation stage, those alone took
    /// hundreds of megabytes. 8 keeps the workers fed and memory bounded.
    static let correlationRingCapacity = 8

    /// Bytes per input batch when correlating: with every line a detection (1 M groups in a burst),
    /// the ring, reorder buffer and shard mailboxes held about 25 results of 2-3 MB each at 1 MiB per
    /// batch. A quarter of that costs no throughput (same lines/s on 2 M gen-authlog lines) and about
    /// 40-60 MB of peak memory less.
    static let correlationReadBatchSize = RunOptions.correlatingReadBatchSize

    /// Bytes per input batch (see ``correlationReadBatchSize``).
    var readBatchSize: Int { correlates ? min(options.readBatchSize, Self.correlationReadBatchSize) : options.readBatchSize }

    var decodes: Bool { rules.decoders.count > 0 }
    /// `vigil run --archive`: results keep their events for the archive stage.
    var archives: Bool { options.mode == .run && (options.archiveDirectory != nil || options.recordSink != nil) }
    var detects: Bool { options.mode == .run && rules.hasRules }
    var correlates: Bool { Self.correlates(options, rules) }

    /// Whether a run with these options and rules correlates (known before its inputs are opened).
    static func correlates(_ options: RunOptions, _ rules: LoadedRules) -> Bool {
        options.mode == .run && rules.hasRules && !rules.correlation.isEmpty
    }

    var configuration: PipelineConfiguration {
        PipelineConfiguration(
            workers: options.workers,
            ringCapacity: correlates ? min(options.ringCapacity, Self.correlationRingCapacity) : options.ringCapacity,
            parser: options.parser,
            stages: workerStages(generations.first, detects: detects),
            retainsEvents: archives
        )
    }

    /// The worker stages of `generation`'s rules. `detects`: whether the run has an alert sink and the
    /// generation has detection rules.
    func workerStages(_ generation: RuleGeneration, detects: Bool) -> BatchStageFactory {
        let rules = generation.rules, routing = generation.routing, mode = options.mode
        let members = mode == .parse ? LogsourceMembers(ruleSet: rules.detection) : nil
        let decodes = rules.decoders.count > 0
        let tracksShapes = tracksUnmatchedShapes
        let decoderSlots = generation.decoderSlots, detectorSlots = generation.detectorSlots
        let maxClockSkew = options.maxClockSkew, maxClockLag = options.maxClockLag
        return { _ in
            var stages: [any BatchStage] = []
            if decodes {
                let worker = DecoderWorker(decoders: rules.decoders)
                worker.tracksUnmatchedShapes = tracksShapes
                stages.append(DecodeStage(slot: decoderSlots.make(worker)))
            }
            // After the decoders (a decoder may read the time from the message), before detection.
            // Timelines feed the event-time progress that correlation windows and detection episodes close by.
            stages.append(EventTimeStage(maxClockSkew: maxClockSkew, maxClockLag: maxClockLag, recordsTimeline: detects))
            if detects {
                stages.append(DetectStage(slot: detectorSlots.make(Detector(ruleSet: rules.detection)), routing: routing))
            }
            if let members { stages.append(JSONLineRenderer(placingWith: rules.detection, members: members)) }
            return stages
        }
    }

    /// The alert sequencer of a run with rules and its outputs, each with its own queue, thread and
    /// spool under the state directory: standard output unless `--alerts` names a file or `--no-stdout`
    /// turns it off, the `--alerts` file, syslog receivers, webhooks.
    func makeSequencer(logger: Logger, onClosed: @escaping @Sendable () -> Void) throws(RunError) -> AlertSequencer? {
        guard detects else { return nil }
        var queue = QueuedOutput.Options()
        queue.spoolLimit = options.spoolSize
        let state = options.stateDirectory
        var outputs: [any AlertOutput] = []
        // Local outputs wait for their reader at the end of a run; receivers that are down do not hold
        // the end of a run longer than the drain timeout (their alerts stay in the spool).
        var timeouts: [Duration] = []
        if options.alertsPath == nil && !options.noStdout {
            // Standard output is whoever reads this run: its spool is this run's own (``stdoutSpool``),
            // never handed to the reader of a later run.
            outputs.append(
                AlertOutputs.standardOutput(
                    minimumTier: options.stdoutMinimumTier, stateDirectory: stdoutSpool, logger: logger, options: queue,
                    onClosed: onClosed))
            timeouts.append(.seconds(3600))
        }
        if let path = options.alertsPath {
            let rotation = options.alertsMaxSize.map { FileTransport.Rotation(maxSize: $0, keep: options.alertsKeep) }
            switch AlertOutputs.file(
                path: path, rotation: rotation, minimumTier: options.alertsMinimumTier, stateDirectory: state, logger: logger,
                options: queue)
            {
            case .success(let output): outputs.append(output)
            case .failure(let error): throw .alertOutputFailed(error.message)
            }
            timeouts.append(.seconds(3600))
        }
        for spec in options.syslogOutputs + options.webhooks {
            switch AlertOutputs.make(spec: spec, stateDirectory: state, logger: logger, options: queue) {
            case .success(let output): outputs.append(output)
            case .failure(let error): throw .usage(error.message)
            }
            timeouts.append(options.outputDrainTimeout)
        }
        for output in options.extraOutputs {
            outputs.append(output)
            timeouts.append(.seconds(3600))
        }
        let sequencer = AlertSequencer(
            outputs: outputs, finishTimeouts: timeouts, minimumTier: options.minimumTier, correlationTiers: Self.correlationTiers(rules),
            escalation: rules.alertPolicy.policy.escalation, filter: options.alertFilter)
        sequencer.noteTitles(Self.ruleTitles(rules))
        return sequencer
    }

    /// Every rule's title by its label (detection, correlation and health rules), for the summary.
    static func ruleTitles(_ rules: LoadedRules) -> [String: String] {
        var titles: [String: String] = [:]
        for metadata in rules.detection.rules {
            let rule = Alert.Rule(metadata)
            titles[rule.label] = rule.title
        }
        for rule in rules.correlation.rules { titles[rule.alertRule.label] = rule.title }
        for reason in HealthMonitor.Reason.allCases { titles[HealthMonitor.rule(reason).label] = reason.title }
        return titles
    }

    /// Each correlation rule's tier, by the id its alerts print.
    static func correlationTiers(_ rules: LoadedRules) -> [String: Int?] {
        var tiers: [String: Int?] = [:]
        for (index, rule) in rules.correlation.rules.enumerated() { tiers[rule.alertRule.id] = rules.alertPolicy.correlation[index] }
        return tiers
    }

    /// Where standard output spools while its reader is slow: a directory of this process under the
    /// state directory, removed at the end of the run (``removeStandardOutputSpool()``).
    var stdoutSpool: String { "\(options.stateDirectory)/spool/stdout-\(getpid())" }

    /// Removes this run's standard output spool (what is in it had nowhere to go: counted as dropped).
    func removeStandardOutputSpool() {
        let directory = stdoutSpool
        unlink(QueuedOutput.spoolPath(stateDirectory: directory, name: "stdout"))
        rmdir(directory + "/spool")
        rmdir(directory)
    }

    /// `restored` and `keeping`: correlation state across restarts (see ``CorrelationStateKeeping``).
    func orderedStages(
        sink: AlertSequencer?, roster: SourceRoster, restoring restored: RestoredCorrelation? = nil,
        keeping: CorrelationStateKeeping? = nil, health: HealthSignals = HealthSignals(), archive: ArchiveStage? = nil,
        onOutputClosed: @escaping @Sendable () -> Void
    ) -> [any OrderedStage] {
        // Event times first: pending events get their source's time before anything is written.
        if options.mode == .parse { return [EventTimeResolver(), OutputWriter(fd: 1, onClosed: onOutputClosed)] }
        guard let sink else { return archive.map { [EventTimeResolver(), $0] } ?? [] }
        let progress = EventProgress()
        let lateness = options.correlation.lateness
        // The alert stage goes before correlation: a batch's detections take their place in the output
        // before the correlation step the batch triggers (see AlertSequencer); health comes last, so
        // that at the end it sees the figures of every stage before it.
        var stages: [any OrderedStage] = [EventTimeResolver()]
        // Right after event times: each message is archived with the time the run gave it.
        if let archive { stages.append(archive) }
        stages += [
            EventProgressStage(
                roster: roster, maxClockSkew: options.maxClockSkew, followsWallClock: live, shared: progress, health: health,
                sourceSilence: options.sourceSilence),
            AlertStage(sequencer: sink, rules: rules, parser: options.parser, lateness: lateness, progress: progress, signals: health),
        ]
        if correlates {
            stages.append(
                CorrelationStage(
                    ruleSet: rules.correlation, options: correlationOptions(rules), sink: sink, followsWallClock: live, restoring: restored,
                    keeping: keeping, health: health))
        }
        stages.append(
            AlertStage(
                sequencer: sink, rules: rules, parser: options.parser, lateness: lateness, progress: progress, signals: health,
                health: HealthMonitor(signals: health, live: live)))
        return stages
    }

    /// The correlation engine's options for `rules` (its evidence is rendered with their decoders).
    func correlationOptions(_ rules: LoadedRules) -> CorrelationOptions {
        var correlationOptions = options.correlation
        correlationOptions.shards = options.workers
        correlationOptions.mailboxCapacity = 2
        correlationOptions.escalationCount = rules.alertPolicy.policy.escalation.count
        correlationOptions.escalationDuration = rules.alertPolicy.policy.escalation.duration
        let parser = options.parser, decoders = rules.decoders.count > 0 ? rules.decoders : nil
        correlationOptions.evidenceRenderer = { MessageEvidenceRenderer(parser: parser, decoders: decoders) }
        return correlationOptions
    }

    /// The decoder, detection, correlation and alert figures of `stages` (from
    /// ``orderedStages(sink:roster:onOutputClosed:)``): the run's once the pipeline finished them, or
    /// the run so far when called on the collector while it runs (between batches).
    func report(sink: AlertSequencer?, stages: [any OrderedStage]) -> AnalysisReport? {
        let all = generations.all
        let latest = all.last!.rules
        let anyDecodes = all.contains { $0.rules.decoders.count > 0 }
        guard anyDecodes || detects else { return nil }
        // Each generation's counters, the oldest first; a reload's figures add to the earlier ones
        // (decoders and rules by name).
        var report: AnalysisReport? = nil
        for generation in all {
            var part = AnalysisReport()
            let rules = generation.rules
            if anyDecodes {
                var counters = DecoderCounters(decoders: rules.decoders)
                for workerCounters in generation.decoderSlots.read(\.counters) { counters.merge(workerCounters) }
                part.add(decoders: counters)
                part.unmatchedShapesCounted = tracksUnmatchedShapes
            }
            if detects {
                var counters = DetectorCounters()
                for detectorCounters in generation.detectorSlots.read(\.counters) { counters.add(detectorCounters) }
                part.add(detector: counters, rules: rules.detection, routing: generation.routing)
            }
            if report == nil { report = part } else { report!.absorb(newer: part) }
        }
        guard var report else { return nil }
        report.skippedFiles = latest.skippedFiles
        if anyDecodes { report.decoderCount = latest.decoders.count }
        if detects {
            report.ruleCount = latest.detection.count
            report.alwaysEvaluatedRules = latest.detection.alwaysEvaluatedRuleCount
            report.correlationRuleCount = latest.correlation.rules.count
            report.correlation = stages.lazy.compactMap { ($0 as? CorrelationStage)?.currentStats }.first
            report.alerts = sink?.counts
        }
        return report
    }
}

/// One set of rules a run processes batches with, with the counters of every worker that used it.
final class RuleGeneration: Sendable {
    let rules: LoadedRules
    let routing: DetectionRouting
    let decoderSlots = WorkerSlots<DecoderWorker>()
    let detectorSlots = WorkerSlots<Detector>()

    init(rules: LoadedRules, shards: Int, suppresses: Bool) {
        self.rules = rules
        self.routing = DetectionRouting(
            detection: rules.detection, correlation: rules.correlation, policy: rules.alertPolicy, suppresses: suppresses, shards: shards)
    }
}

/// The rule generations of a run, the first (the rules loaded at start) first.
final class RuleGenerations: Sendable {
    let first: RuleGeneration
    private let list: Mutex<[RuleGeneration]>

    init(_ first: RuleGeneration) {
        self.first = first
        list = Mutex([first])
    }

    var all: [RuleGeneration] { list.withLock { $0 } }
    var latest: RuleGeneration { list.withLock { $0.last! } }

    func append(_ generation: RuleGeneration) {
        list.withLock { $0.append(generation) }
    }
}

extension Runner {
    /// Loads decoders and (for `vigil run`) rules, logging each file `--skip-bad-rules` left out.
    static func loadRules(_ options: RunOptions, logger: Logger) throws(RunError) -> LoadedRules {
        let load = ruleLoadOptions(options)
        let rules: LoadedRules
        do {
            rules = try LoadedRules.load(load)
        } catch {
            throw .rules(error)
        }
        for line in skippedFileLines(rules) { logger.error("\(line)") }
        if !rules.decoderPaths.isEmpty { logger.info("decoders: \(rules.decoderPaths.joined(separator: ", "))") }
        if !rules.logsourceFiles.isEmpty { logger.info("logsource mapping: \(rules.logsourceFiles.joined(separator: ", "))") }
        if let notice = rules.decodersNotice { logger.warning("\(notice)") }
        // The mapping matters to rules, and to `vigil parse`, which shows where each event is placed.
        if let notice = rules.logsourcesNotice, options.mode == .parse || !load.rulePaths.isEmpty { logger.warning("\(notice)") }
        return rules
    }

    /// One line per file `--skip-bad-rules` left out, with its first problem and how many more: a file
    /// with a YAML error or a broken rule would otherwise log a line per follow-on problem.
    static func skippedFileLines(_ rules: LoadedRules) -> [String] {
        rules.skippedFiles.map { file in
            let problems = rules.skipped.filter { $0.file == file }
            var line = "skipped bad file \(file)"
            if let first = problems.first { line += ": \(first.line):\(first.column): \(first.message)" }
            if problems.count > 1 {
                line += " (and \(problems.count - 1) more; without --skip-bad-rules vigil lists them all)"
            }
            return line
        }
    }

    /// Whether the run is live (see ``RunOptions/live``): a listener, or standard input that is not a
    /// regular file (a pipe from `tail -f`, a terminal).
    static func isLive(_ options: RunOptions, streams: [Int32]) -> Bool {
        if let live = options.live { return live }
        if options.follow { return true }
        if options.hasListeners { return true }
        guard streams.contains(0) else { return false }
        var info = stat()
        guard fstat(0, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) != S_IFREG
    }
}
