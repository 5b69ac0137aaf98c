import ArgumentParser
import Foundation
import Logging
import VigilCluster
import VigilOutput
import VigilPipeline

/// `vigil cluster …`: vigil as several processes over NATS JetStream (docs/SCALING.md).
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run vigil as several processes over NATS JetStream: edge, analyzers, alert readers.",
        subcommands: [
            ClusterInitCommand.self, ClusterStatusCommand.self, ClusterEdgeCommand.self, ClusterAnalyzeCommand.self,
            ClusterAlertsCommand.self, ClusterDeskCommand.self,
        ]
    )
}

/// The NATS server every cluster command talks to.
struct NATSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The NATS server (JetStream enabled).", valueName: "url"))
    var nats: String = "nats://127.0.0.1:4222"

    func connect(as role: String) throws -> NATSClient {
        do {
            return try NATSClient(url: nats, name: "vigil-\(role)")
        } catch {
            throw VigilFailure(message: "\(error)")
        }
    }
}

struct ClusterInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create (or update) the cluster's streams and consumers with their limits.")

    @OptionGroup var server: NATSOptions

    @Option(help: ArgumentHelp("Bytes the raw stream keeps (it refuses more: the edge waits).", valueName: "bytes"))
    var rawMaxBytes: Int64 = ClusterLayout().rawMaxBytes

    func run() throws {
        let client = try server.connect(as: "init")
        var layout = ClusterLayout()
        layout.rawMaxBytes = rawMaxBytes
        do {
            try layout.apply(client)
        } catch {
            throw VigilFailure(message: "\(error)")
        }
        for stream in layout.streams {
            print(
                "stream \(stream.name): subjects \(stream.subjects.joined(separator: ",")), max \(stream.maxBytes) bytes, "
                    + "max age \(stream.maxAgeSeconds) s, duplicate window \(stream.duplicateWindowSeconds) s")
        }
    }
}

struct ClusterStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the streams and how far each consumer got (its lag).")

    @OptionGroup var server: NATSOptions

    func run() throws {
        let client = try server.connect(as: "status")
        do {
            for stream in [ClusterLayout.rawStream, ClusterLayout.alertStream] {
                let state = try client.streamState(stream)
                print(
                    "stream \(stream): \(state.messages) messages, \(state.bytes) bytes, sequences \(state.firstSequence)-\(state.lastSequence)"
                )
            }
            for stream in [ClusterLayout.rawStream, ClusterLayout.alertStream] {
                for consumer in try client.consumers(stream: stream) {
                    let what = consumer.description.isEmpty ? consumer.name : consumer.description
                    print(
                        "consumer \(what) on \(stream): lag \(consumer.state.pending) messages, \(consumer.state.ackPending) unacknowledged, "
                            + "\(consumer.state.redelivered) redelivered")
                }
            }
        } catch {
            throw VigilFailure(message: "\(error)")
        }
    }
}

/// `vigil cluster edge`: reads inputs like `vigil run` and publishes the batches (no rules here).
struct ClusterEdgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Read inputs (files, stdin, listeners) and publish their batches to the raw stream.",
        discussion: """
            Frames and batches input exactly as vigil run does and publishes each batch, with its source, \
            sequence numbers, receive time and the run's source ends, as archive blocks. Each publish waits \
            for the server: a stream or analyzer that falls behind slows the edge, nothing is dropped.
            """)

    @OptionGroup var server: NATSOptions

    @Option(help: ArgumentHelp("Blocks (about 512 KiB of messages each) an analyzer may lag before the edge waits.", valueName: "blocks"))
    var maxLag: UInt64 = 1024

    @OptionGroup var options: InputOptions

    func run() throws {
        let logger = options.makeLogger()
        var runOptions = try options.runOptions(mode: .run)
        // The edge frames and batches only: decoding and rules are the analyzers' work.
        runOptions.rules.decoderPaths = []
        runOptions.rules.defaultLogsources = false
        // The batches a single correlating run would cut: they decide when event time moves.
        runOptions.readBatchSize = min(runOptions.readBatchSize, RunOptions.correlatingReadBatchSize)
        let client = try server.connect(as: "edge")
        let publisher = JetStreamBlockPublisher(client: client, logger: logger, maxLag: maxLag)
        runOptions.recordSink = publisher
        try runReportingRuleProblems(runOptions, logger: logger)
        let counters = publisher.counters
        let waits = publisher.lagWaits
        logger.info(
            "edge \(publisher.instance): published \(counters.messages) messages (\(counters.rawBytes) bytes) in \(counters.blocksWritten) blocks of \(counters.compressedBytes) bytes, \(publisher.retries) retries (\(publisher.duplicates) blocks the server already had), waited \(waits.count) times (\(waits.seconds) s) for lagging analyzers"
        )
    }
}

/// `vigil cluster analyze`: the raw stream through vigil run's decode, detect, correlate and alert path.
struct ClusterAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Take the raw stream's batches through rules; alerts go to the alert stream (and vigil run's outputs).",
        discussion: """
            Feeds the edge's batches, in stream order, with their sources, receive times and source ends, \
            to the same path as vigil run: with the same rules the alerts are a single run's (same ids). \
            Each alert is published with its id as message id, so one published again is stored once. \
            --drain ends when every source the edge read has ended and the stream has nothing more.
            """)

    @OptionGroup var server: NATSOptions

    @Flag(help: "End when the edge's sources have ended and nothing is left to take.")
    var drain = false

    @OptionGroup var options: InputOptions
    @OptionGroup(title: "Decoders") var decoders: DecoderOptions
    @OptionGroup(title: "Logsource mapping") var logsources: LogsourceOptions
    @OptionGroup(title: "Rules and correlation") var rules: RuleOptions
    @OptionGroup(title: "Alerts: tiers, suppression, outputs") var alerts: AlertOptions

    func validate() throws {
        if !options.inputs.isEmpty { throw ValidationError("vigil cluster analyze reads the raw stream: give no input files") }
    }

    func run() throws {
        let logger = options.makeLogger()
        var runOptions = try analysisRunOptions(options, decoders, logsources, rules, alerts)
        guard !runOptions.hasListeners else { throw ValidationError("vigil cluster analyze reads the raw stream: no listeners") }
        let client = try server.connect(as: "analyzer")
        let instance = JetStreamBlockPublisher.newInstanceID()
        let feed = JetStreamBatchFeed(client: client, drain: drain, instance: instance, logger: logger)
        runOptions.replay = feed
        let publisher = try server.connect(as: "analyzer-alerts")
        let output = QueuedOutput(
            name: "jetstream \(ClusterLayout.alertSubject)", transport: JetStreamAlertTransport(client: publisher),
            options: QueuedOutput.Options(stateDirectory: runOptions.stateDirectory, waitsWhenFull: true), logger: logger)
        runOptions.extraOutputs.append(output)
        runOptions.keepsCorrelationState = false
        runOptions.alertFilter = StopGate(logger: logger)
        try runReportingRuleProblems(runOptions, logger: logger)
        let counts = feed.counts, seconds = feed.seconds
        logger.info(
            "analyzer \(instance): \(counts.blocks) blocks fed, \(counts.damaged) damaged, subscribed again \(counts.resubscribed) times; \(seconds.fetching) s fetching, \(seconds.feeding) s decoding and handing on"
        )
    }
}

/// `vigil cluster alerts`: prints the alert stream as JSON lines.
struct ClusterAlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Print the alert stream's alerts as JSON lines, once each.",
        discussion: "--drain ends when the stream has nothing more; otherwise it waits for new alerts.")

    @OptionGroup var server: NATSOptions

    @Option(help: ArgumentHelp("The durable consumer to read with (each reader its own).", valueName: "name"))
    var consumer: String = ClusterLayout.alertConsumer

    @Flag(help: "End when nothing is left to read.")
    var drain = false

    func run() throws {
        let client = try server.connect(as: "alerts")
        do {
            try client.ensurePullConsumer(stream: ClusterLayout.alertStream, durable: consumer, maxAckPending: 1024)
            let subscription = try client.pullSubscription(
                stream: ClusterLayout.alertStream, durable: consumer, subject: ClusterLayout.alertSubject)
            while true {
                let messages = try subscription.fetch(count: 256, timeoutMilliseconds: 500)
                if messages.isEmpty {
                    if drain, try client.consumerState(stream: ClusterLayout.alertStream, durable: consumer).pending == 0 { return }
                    continue
                }
                var text = Data()
                for message in messages {
                    text.append(contentsOf: message.data)
                    text.append(UInt8(ascii: "\n"))
                }
                FileHandle.standardOutput.write(text)
                for message in messages { try subscription.acknowledge(message) }
            }
        } catch {
            throw VigilFailure(message: "\(error)")
        }
    }
}
