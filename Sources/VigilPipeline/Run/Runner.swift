import Dispatch
import Logging
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
    public static func run(_ options: RunOptions, logger: Logger) throws(RunError) -> RunSummary {
        signal(SIGPIPE, SIG_IGN)
        SymbolTable.shared.dynamicNameLimit = options.maxFieldNames
        let fieldNamesRefusedBefore = SymbolTable.shared.dynamicNamesRefused
        // Rules first: a bad rule or decoder file stops the run before any input is opened or read.
        let rules = try loadRules(options, logger: logger)
        let sources = SourceIDAllocator()
        // Open everything first so that a bad path or a busy port fails before anything runs.
        var streams: [(fd: Int32, counters: IngestCounters)] = []
        for input in options.streamInputs {
            do {
                let fd = input == "-" ? 0 : try FileDescriptorSource.openDescriptor(path: input)
                streams.append((fd, IngestCounters(name: input == "-" ? "stdin" : input)))
            } catch {
                for stream in streams where stream.fd != 0 { close(stream.fd) }
                throw .ingest(error)
            }
        }
        // Signals are caught from here on, before anything starts, so that none is lost.
        let controller = ShutdownController()
        let signals = SignalTrap([SIGINT, SIGTERM]) { number, count in
            if count > 1 { _exit(128 + number) }
            logger.info("signal \(number): draining and stopping (send again to exit at once)")
            controller.shutdown()
        }
        defer { signals.cancel() }
        // The shapes of undecoded lines are listed at --log-level info and written by --stats-json.
        let listsShapes = logger.logLevel <= .info || options.statsJSONPath != nil
        let plan = StagePlan(
            options: options, rules: rules, live: isLive(options, streams: streams.map(\.fd)), tracksUnmatchedShapes: listsShapes)
        let sink: AlertSink?
        do throws(RunError) {
            sink = try plan.makeSink { controller.shutdown() }
        } catch {
            for stream in streams where stream.fd != 0 { close(stream.fd) }
            throw error
        }
        let pipeline = Pipeline(configuration: plan.configuration)
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
        let clock = ContinuousClock()
        let started = clock.now
        pipeline.start()
        // Several regular files hand over their batches in turn, so that their order does not depend
        // on thread timing (see ReaderTurns); a single input, or a pipe, reads freely.
        let files = streams.indices.filter { isRegularFile(streams[$0].fd) }
        let turns = files.count > 1 ? ReaderTurns(readers: files.count) : nil
        for (index, stream) in streams.enumerated() {
            inputsDone.enter()
            let sourceID = sources.allocate()
            roster.expect(sourceID)
            let (fd, counters) = stream
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
        inputsDone.notify(queue: .global()) { pipeline.finishInput() }

        var stages = plan.orderedStages(sink: sink, roster: roster) { controller.shutdown() }
        let totals: PipelineTotals
        do {
            totals = try pipeline.collect(into: &stages) { error in
                logger.error("stopping: \(error)")
                controller.shutdown()
            }
        } catch let error as RunError {
            sink?.finish()
            throw error
        } catch {
            sink?.finish()
            throw .stageFailed(String(describing: error))
        }
        sink?.finish()
        let elapsed = clock.now - started
        var summary = RunSummary(
            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            workers: options.workers,
            parse: totals.parse,
            inputs: streams.map { $0.counters.snapshot() } + (listeners?.snapshots() ?? []),
            stages: totals.workerStages + totals.orderedStages,
            analysis: plan.report(sink: sink, stages: stages)
        )
        summary.fieldNamesDropped = SymbolTable.shared.dynamicNamesRefused - fieldNamesRefusedBefore
        summary.eventTime = totals.eventTime
        for case let stage as CorrelationStage in stages { summary.eventTime.merge(stage.eventTime) }
        summary.loadTime = rules.loadTime
        try report(summary, options: options, logger: logger)
        return summary
    }

    /// A regular file (also stdin redirected from one) is a replay whose RFC 3164 years are inferred
    /// against its modification time (live only when `--live` says so); a pipe follows the run's liveness.
    private static func sourceClock(_ fd: Int32, live: Bool, forcedLive: Bool?) -> SourceClock {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return SourceClock(isLive: live) }
        let modified = Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
        return SourceClock(isLive: forcedLive == true, yearReference: modified)
    }

    private static func isRegularFile(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func report(_ summary: RunSummary, options: RunOptions, logger: Logger) throws(RunError) {
        if options.mode == .run {
            _ = writeAll(2, Array(summary.text(listingUnmatchedShapes: logger.logLevel <= .info).utf8))
        } else {
            logger.info("\(summary.events) events, \(summary.parse.failuresTotal) parse errors")
        }
        if let path = options.statsJSONPath {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .statsFileFailed(path: path, errno: errno) }
            defer { close(fd) }
            if let code = writeAll(fd, Array(summary.json().utf8)) { throw .statsFileFailed(path: path, errno: code) }
        }
    }
}
