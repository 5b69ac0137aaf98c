import Dispatch
import Logging
import VigilArchive
import VigilCorrelate
import VigilEvent
import VigilIngest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `vigil run` / `vigil parse`: opens the inputs, starts the pipeline, reads until every finite
/// input ended (or a signal came), drains, and reports.
public enum Runner {
    /// Runs to completion and returns the summary (already printed or written as the options say).
    ///
    /// An output error (standard output or `--alerts` failing, other than the reader going away)
    /// stops the inputs; the run drains, reports its summary and `--stats-json` all the same, then
    /// throws the error.
    public static func run(_ options: RunOptions, logger: Logger) throws(RunError) -> RunSummary {
        signal(SIGPIPE, SIG_IGN)
        SignalTrap.ignoreUntilCaught()
        StandardDescriptors.reserve()
        SymbolTable.shared.dynamicNameLimit = options.maxFieldNames
        let fieldNamesRefusedBefore = SymbolTable.shared.dynamicNamesRefused
        // Rules first: a bad rule or decoder file stops the run before any input is opened or read.
        let rules = try loadRules(options, logger: logger)
        // Correlation state a run stopped by a signal left, read before any source id is given out: its
        // waiting inputs keep their ids.
        let stateStore = CorrelationStateStore(directory: options.stateDirectory)
        var restored =
            StagePlan.correlates(options, rules) && options.keepsCorrelationState
            ? restoreCorrelation(stateStore, rules: rules, options: options, logger: logger) : nil
        let sources = SourceIDAllocator(first: restored?.nextSourceID ?? 0)
        let controller = ShutdownController()
        // Open everything first so that a bad path, an output that is also an input, an unwritable
        // --stats-json or a busy port fails before anything is read or written.
        var streams: [(fd: Int32, counters: IngestCounters)] = []
        func closeStreams() {
            for stream in streams where stream.fd > 0 { close(stream.fd) }
        }
        // --follow: plain regular files are followed (gzip files, stdin and pipes are read as always).
        var followed: [Int: FollowedFile] = [:]
        let positionStore = FilePositionStore(directory: options.stateDirectory)
        let savedPositions = options.follow ? loadPositions(positionStore, logger: logger) : [:]
        for input in options.streamInputs {
            do throws(IngestError) {
                if input == "-" && FileDescriptorSource.isDirectory(0) { throw .isDirectory(path: "stdin") }
                let fd = input == "-" ? 0 : try FileDescriptorSource.openDescriptor(path: input)
                if options.follow && fd != 0 && isRegularFile(fd) && !startsWithGzipMagic(fd) {
                    close(fd)
                    let file = try FollowedFile(path: input, resume: savedPositions[input], stop: controller.stop)
                    if let note = file.resumeNote { logger.info("\(input): \(note)") }
                    followed[streams.count] = file
                    streams.append((-1, IngestCounters(name: input)))
                    continue
                }
                streams.append((fd, IngestCounters(name: input == "-" ? "stdin" : input)))
            } catch {
                closeStreams()
                throw .ingest(error)
            }
        }
        let statsFile: StatsFile?
        let plan: StagePlan
        let sink: AlertSequencer?
        var archiveWriter: (any ArchiveRecordSink)? = nil
        do throws(RunError) {
            try OutputCollision.check(
                alerts: options.mode == .run ? options.alertsPath : nil, stats: options.statsJSONPath,
                inputs: streams.map { ($0.fd, $0.counters.name) })
            statsFile = try options.statsJSONPath.map { path throws(RunError) in try StatsFile(path: path) }
            // The shapes of undecoded lines are listed at --log-level info and written by --stats-json.
            let listsShapes = logger.logLevel <= .info || options.statsJSONPath != nil
            plan = StagePlan(
                options: options, rules: rules, live: isLive(options, streams: streams.map(\.fd)), tracksUnmatchedShapes: listsShapes)
            sink = try plan.makeSequencer(logger: logger) { controller.shutdown() }
            archiveWriter = try openArchive(options, logger: logger)
        } catch {
            closeStreams()
            throw error
        }
        let pipeline = Pipeline(configuration: plan.configuration)
        let reloader = Reloader()
        let reloadOptions = ruleLoadOptions(options)
        // Signals are caught from here on, before anything starts, so that none is lost.
        let signals = SignalTrap(
            SignalActions(
                stop: { number, count in
                    if count > 1 { _exit(128 + number) }
                    logger.info("signal \(number): draining and stopping (send again to exit at once)")
                    controller.shutdown(bySignal: true)
                },
                summary: { pipeline.request(.summary) },
                reload: {
                    reloader.load(reloadOptions, logger: logger) { pipeline.request(.reload) }
                }))
        defer { signals.cancel() }
        let roster = SourceRoster()
        let inputsDone = DispatchGroup()
        var listeners: ListenerGroup? = nil
        if options.hasListeners {
            var configuration = options.listener
            configuration.maxMessageSize = options.maxMessageSize
            do {
                listeners = try ListenerGroup.start(
                    udp: options.udp, tcp: options.tcp, tls: options.tls, tlsFiles: options.tlsFiles,
                    configuration: configuration, sink: pipeline, sources: sources, logger: logger)
            } catch {
                throw .ingest(error)
            }
            controller.attach(listeners: listeners!, inputsDone: inputsDone)
            for address in listeners!.boundAddresses { logger.info("listening on \(address)") }
        }
        // Everything opened: the run starts from the restored state, which is not restored again.
        if restored != nil { stateStore.consume() }
        let clock = ContinuousClock()
        let started = clock.now
        pipeline.start()
        options.observer?.runStarted()
        // The observer hears from the collector, between two batches, about once per interval.
        let progressTimer = options.observer.map { _ in DispatchSource.makeTimerSource(queue: .global(qos: .utility)) }
        if let progressTimer {
            let interval = options.observerInterval
            let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
            progressTimer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(max(1_000_000, nanoseconds)))
            progressTimer.setEventHandler { pipeline.request(.progress) }
            progressTimer.resume()
        }
        defer { progressTimer?.cancel() }
        // Several regular files hand over their batches in turn, so that their order does not depend
        // on thread timing (see ReaderTurns); a single input, or a pipe, reads freely.
        let files = streams.indices.filter { followed[$0] == nil && isRegularFile(streams[$0].fd) }
        let turns = files.count > 1 ? ReaderTurns(readers: files.count) : nil
        let positionBook = FilePositionBook()
        var sourceNames: [SourceID: String] = [:]
        for (index, stream) in streams.enumerated() {
            inputsDone.enter()
            let sourceID = sources.allocate()
            roster.expect(sourceID)
            sourceNames[sourceID] = stream.counters.name
            let (fd, counters) = stream
            if let file = followed[index] {
                positionBook.follow(sourceID, path: file.path)
                let maxMessageSize = options.maxMessageSize, batchSize = plan.readBatchSize
                DispatchQueue(label: "vigil.reader.\(index)").async {
                    defer {
                        roster.end(sourceID, beforeTicket: pipeline.submittedCount)
                        inputsDone.leave()
                    }
                    do throws(IngestError) {
                        var reader = StreamReader(
                            source: file, sourceID: sourceID, counters: counters, maxMessageSize: maxMessageSize, batchSize: batchSize)
                        // Followed files are live: their years come from the receive time, which moves on
                        // with the run (a year reference fixed at start would be wrong after New Year).
                        reader.clock = SourceClock(isLive: true)
                        try reader.run(into: pipeline, stop: controller.stop) { batch, carried in
                            var position = file.position
                            position.offset -= min(position.offset, UInt64(carried))
                            positionBook.record(sourceID, firstSequence: batch.firstSequence, position: position)
                        }
                    } catch {
                        logger.error("\(error)")
                    }
                }
                continue
            }
            let maxMessageSize = options.maxMessageSize, batchSize = plan.readBatchSize
            let turn = turns != nil ? files.firstIndex(of: index) : nil
            let clock = sourceClock(fd, live: plan.live, forcedLive: options.live)
            DispatchQueue(label: "vigil.reader.\(index)").async {
                defer {
                    // A file's end moves the watermark: it too is recorded at the file's turn.
                    let end = { roster.end(sourceID, beforeTicket: pipeline.submittedCount) }
                    if let turns, let turn { turns.leave(turn, end) } else { end() }
                    inputsDone.leave()
                }
                do throws(IngestError) {
                    let source = FileDescriptorSource(
                        fd: fd, name: counters.name, ownsDescriptor: fd != 0, stop: controller.stop)
                    var reader = StreamReader(
                        source: try InputStream.detect(source), sourceID: sourceID, counters: counters,
                        maxMessageSize: maxMessageSize, batchSize: batchSize)
                    reader.clock = clock
                    if let turns, let turn {
                        try reader.run(into: TurnTakingSink(inner: pipeline, turns: turns, reader: turn), stop: controller.stop)
                    } else {
                        try reader.run(into: pipeline, stop: controller.stop)
                    }
                } catch {
                    logger.error("\(error)")
                }
            }
        }
        if let replay = options.replay {
            try startReplay(replay, pipeline: pipeline, roster: roster, inputsDone: inputsDone, logger: logger)
        }
        inputsDone.notify(queue: .global()) {
            controller.inputsEnded()
            pipeline.finishInput()
        }

        /// Reloads the collector switched to (see ``reload(_:plan:pipeline:sink:roster:keeping:logger:)``).
        var reloads: UInt64 = 0

        /// The run summary from what the collector has: `stages` finished at the end, or as they stand
        /// between two batches while the run goes on.
        func summary(_ totals: PipelineTotals, _ stages: [any OrderedStage]) -> RunSummary {
            let elapsed = clock.now - started
            var summary = RunSummary(
                elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                workers: options.workers,
                parse: totals.parse,
                inputs: streams.map { $0.counters.snapshot() } + (listeners?.snapshots() ?? []),
                stages: totals.workerStages + stages.map(\.counters),
                analysis: plan.report(sink: sink, stages: stages)
            )
            summary.fieldNamesDropped = SymbolTable.shared.dynamicNamesRefused - fieldNamesRefusedBefore
            summary.eventTime = totals.eventTime
            for case let stage as EventProgressStage in stages { summary.eventTime.merge(stage.eventTime) }
            summary.loadTime = rules.loadTime
            summary.reloads = reloads
            summary.archive = archiveWriter?.counters
            summary.failedReloads = reloader.failed
            summary.peakMemoryBytes = peakResidentBytes()
            summary.ringOccupancy = pipeline.ringOccupancy
            summary.ringCapacity = options.ringCapacity
            return summary
        }

        let keeping =
            options.keepsCorrelationState
            ? CorrelationStateKeeping(store: stateStore, stoppedBySignal: { controller.stoppedBySignal }, logger: logger) : nil
        let health = HealthSignals()
        if let listeners {
            health.provide(.eventsDropped) {
                listeners.snapshots().reduce(0) { $0 + $1.droppedBackpressure + $1.droppedByKernel + $1.lostAtShutdown }
            }
        }
        let names = sourceNames
        let archive = archiveWriter.map { writer in
            ArchiveStage(writer: writer, roster: roster, names: { names[$0] ?? "listener" }, live: plan.live)
        }
        var stages = plan.orderedStages(
            sink: sink, roster: roster, restoring: restored, keeping: keeping, health: health, archive: archive
        ) {
            controller.shutdown()
        }
        // In the engine now: the file's bytes and what was read from them need not stay for the run.
        restored = nil
        if !followed.isEmpty {
            // Last: a position is saved once every other stage has consumed its batch.
            stages.append(
                FilePositionStage(book: positionBook, store: positionStore, saved: savedPositions) { error in
                    logger.error("\(error): followed files will be read again from where the last saved positions say")
                })
        }
        let totals: PipelineTotals
        var failure: RunError? = nil
        do {
            totals = try pipeline.collect(into: &stages) { error in
                logger.error("stopping: \(error)")
                controller.shutdown()
            } onRequest: { request, totals, stages in
                switch request {
                case .summary:
                    let text = summary(totals, stages).text(listingUnmatchedShapes: logger.logLevel <= .info)
                    _ = writeAll(2, Array(text.utf8))
                case .reload:
                    guard let loaded = reloader.take() else { return }
                    reload(
                        loaded, plan: plan, pipeline: pipeline, sink: sink, roster: roster, keeping: keeping, health: health, logger: logger
                    )
                    reloads += 1
                case .progress:
                    options.observer?.runProgressed(summary(totals, stages))
                }
            }
        } catch {
            totals = error.totals
            failure = (error.error as? RunError) ?? .stageFailed(String(describing: error.error))
        }
        sink?.finish()
        if sink != nil { plan.removeStandardOutputSpool() }
        // An output that failed after the last batch (its thread found out late) still fails the run.
        if failure == nil, let error = sink?.failure {
            logger.error("\(error)")
            failure = error
        }
        let result = summary(totals, stages)
        options.observer?.runEnded(result)
        try report(result, options: options, statsFile: statsFile, logger: logger)
        if let failure { throw failure }
        return result
    }

    /// Switches the run to `rules` (loaded and checked by the ``Reloader``), on the collector between
    /// two batches: the workers take the new rules from the switch ticket on, and right before that
    /// ticket the collector replaces the correlation engine when the correlation rules changed (their
    /// state is dropped; with the same correlation rules, the engine and all its state are kept).
    static func reload(
        _ rules: LoadedRules, plan: StagePlan, pipeline: Pipeline, sink: AlertSequencer?, roster: SourceRoster,
        keeping: CorrelationStateKeeping? = nil, health: HealthSignals? = nil, logger: Logger
    ) {
        let previous = plan.generations.latest
        let changes = RuleChanges(from: previous.rules.fingerprints, to: rules.fingerprints)
        let generation = RuleGeneration(rules: rules, shards: plan.options.workers, suppresses: plan.options.suppresses)
        let detects = sink != nil && plan.options.mode == .run && rules.hasRules
        if sink == nil && plan.options.mode == .run && rules.hasRules {
            let message =
                "SIGHUP: the run started without detection rules, so it has no alert output: restart vigil to run the "
                + "\(rules.detection.count) rules loaded (decoders and the logsource mapping are reloaded)"
            logger.warning("\(message)")
        }
        plan.generations.append(generation)
        let correlation = detects ? rules.correlation : .empty
        let correlationOptions = plan.correlationOptions(rules)
        let keepsCorrelation = changes.keepsCorrelationState
        // Rules whose definition changed in what their compiled form does not show (the YAML, the
        // detection rules they read, the mapping) start empty; the others keep their state.
        let oldHashes = Dictionary(
            previous.rules.fingerprints.correlation.map { ($0.identity, $0.hash) }, uniquingKeysWith: { first, _ in first })
        let startingEmpty = Set(
            rules.fingerprints.correlation.indices.filter {
                oldHashes[rules.fingerprints.correlation[$0].identity] != rules.fingerprints.correlation[$0].hash
            })
        let live = plan.live
        let ticket = pipeline.switchStages(to: plan.workerStages(generation, detects: detects)) { stages in
            // Detections of the new rules are described by them from this ticket on.
            for index in stages.indices {
                guard var stage = stages[index] as? AlertStage else { continue }
                stage.replaceRules(rules)
                stages[index] = stage
            }
            sink?.updateCorrelationTiers(StagePlan.correlationTiers(rules), escalation: rules.alertPolicy.policy.escalation)
            sink?.noteTitles(StagePlan.ruleTitles(rules))
            guard !keepsCorrelation else { return }
            if let index = stages.firstIndex(where: { $0 is CorrelationStage }), var stage = stages[index] as? CorrelationStage {
                if let report = stage.replaceRules(correlation, options: correlationOptions, startingEmpty: startingEmpty) {
                    let kept = report.restoredRules.count, fresh = max(0, correlation.rules.count - report.restoredRules.count)
                    logger.warning(
                        "SIGHUP: correlation state kept for \(kept) unchanged rules (\(report.groups) groups); \(fresh) changed or new rules start empty"
                    )
                }
                stages[index] = stage
            } else if !correlation.isEmpty, let sink, let writer = stages.firstIndex(where: { $0 is AlertStage }) {
                // Right after the detection alert stage, as at start.
                stages.insert(
                    CorrelationStage(
                        ruleSet: correlation, options: correlationOptions, sink: sink, followsWallClock: live, keeping: keeping,
                        health: health),
                    at: writer + 1)
            }
        }
        logger.warning("SIGHUP: reloaded; from batch \(ticket) on: \(changes.text)")
    }

    /// The rule load options of a run (`vigil parse` loads no Sigma rules).
    static func ruleLoadOptions(_ options: RunOptions) -> RuleLoadOptions {
        var load = options.rules
        if options.mode == .parse { load.rulePaths = [] }
        return load
    }

    /// A regular file (also stdin redirected from one) is a replay whose RFC 3164 years are inferred
    /// against its modification time (live only when `--live` says so); a pipe follows the run's liveness.
    /// A modification time vigil cannot hold, or one at the epoch (archives often leave 0), says nothing
    /// about the file's age: the receive time is used then.
    private static func sourceClock(_ fd: Int32, live: Bool, forcedLive: Bool?) -> SourceClock {
        guard let modified = regularFileModificationTime(fd) else { return SourceClock(isLive: live) }
        let plausible = modified > Timestamp(seconds: 86_400) ? modified : nil
        return SourceClock(isLive: forcedLive == true, yearReference: plausible)
    }

    /// The modification time of a regular file (nil for anything else, or a time out of range).
    private static func regularFileModificationTime(_ fd: Int32) -> Timestamp? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Timestamp(validatingSeconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
            ?? Timestamp(seconds: 0)
    }

    /// The process's peak resident memory so far: VmHWM of /proc/self/status, the high-water mark of
    /// this program's own memory. Not getrusage's ru_maxrss: Linux carries that over exec from the
    /// parent, so a vigil started by a large process reported the parent's peak.
    static func peakResidentBytes() -> UInt64 {
        let fd = open("/proc/self/status", O_RDONLY)
        if fd >= 0 {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            let status = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = UInt64(String(line.dropFirst(6).filter(\.isNumber)))
            {
                return kilobytes * 1024
            }
        }
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return UInt64(max(0, usage.ru_maxrss)) * 1024
    }

    /// Correlation state saved by a run stopped by a signal, matched to this run's rules (each change
    /// logged); nil when there is none or it cannot be read (logged, and set aside). The caller removes
    /// the file once the run starts (``CorrelationStateStore/consume()``): a state is restored once.
    static func restoreCorrelation(
        _ store: CorrelationStateStore, rules: LoadedRules, options: RunOptions, logger: Logger
    ) -> RestoredCorrelation? {
        // The budget bounds what a run holds; its file is smaller (no array capacity, no indexes).
        let limit = 2 * options.correlation.maxStateBytes + 2 * options.correlation.evidenceBytes + (64 << 20)
        let bytes: [UInt8]
        switch store.load(maxBytes: limit) {
        case .none:
            return nil
        case .unreadable(let reason):
            store.setAside()
            logger.warning("\(store.path): \(reason); correlation starts empty (the file is kept as \(store.unreadablePath))")
            return nil
        case .state(let read):
            bytes = read
        }
        do throws(CorrelationSnapshotError) {
            let restored = try CorrelationSnapshot(bytes: bytes).restore(into: rules.correlation, options: options.correlation)
            for line in restoreLines(restored.report, path: store.path) { logger.warning("\(line)") }
            return restored
        } catch {
            store.setAside()
            logger.warning(
                "\(store.path): unreadable correlation state (\(error)); correlation starts empty (the file is kept as \(store.unreadablePath))"
            )
            return nil
        }
    }

    /// What a restore did, as log lines: rules that changed or went, then what continues.
    static func restoreLines(_ report: RestoredCorrelation.Report, path: String) -> [String] {
        var lines: [String] = []
        if report.emitChanged {
            lines.append(
                "\(path): the state was saved by a run with --emit \(report.savedEmit.rawValue): every correlation rule starts empty")
        }
        for rule in report.changedRules where !report.emitChanged {
            lines.append("correlation rule '\(rule)' changed since its state was saved: it starts empty")
        }
        for rule in report.droppedRules { lines.append("correlation rule '\(rule)' is no longer loaded: its saved state is dropped") }
        for (rule, reason) in report.unreadableRules {
            lines.append("correlation rule '\(rule)': its saved state cannot be read (\(reason)): it starts empty")
        }
        let decided = report.watermark == .distantPast ? "" : "; windows ending before \(report.watermark) were decided before the stop"
        func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
        lines.append(
            "continuing from the correlation state in \(path): \(count(report.restoredRules.count, "rule")), "
                + "\(count(report.groups, "group")), \(count(report.waitingInputs, "waiting input")), "
                + "\(count(report.openEpisodes, "open episode"))\(decided)")
        return lines
    }

    /// Positions of followed files saved by an earlier run; problems are logged and cost only a position.
    private static func loadPositions(_ store: FilePositionStore, logger: Logger) -> [String: FilePosition] {
        let (positions, problems) = store.load()
        for problem in problems { logger.warning("\(problem)") }
        return positions
    }

    /// Whether a file starts with gzip's magic bytes (read with `pread`, the offset untouched).
    private static func startsWithGzipMagic(_ fd: Int32) -> Bool {
        var magic: [UInt8] = [0, 0]
        let count = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        return count == 2 && GzipSource.hasMagic(magic)
    }

    private static func isRegularFile(_ fd: Int32) -> Bool {
        regularFileModificationTime(fd) != nil
    }

    static func report(_ summary: RunSummary, options: RunOptions, statsFile: StatsFile?, logger: Logger) throws(RunError) {
        if options.mode == .run {
            _ = writeAll(2, Array(summary.text(listingUnmatchedShapes: logger.logLevel <= .info).utf8))
        } else {
            logger.info("\(summary.events) events, \(summary.parse.failuresTotal) parse errors")
        }
        try statsFile?.write(summary.json())
    }
}
