import ArgumentParser
import Dispatch
import Foundation
import Logging
import VigilAlert
import VigilCluster
import VigilIngest
import VigilOutput
import VigilPipeline

/// `vigil cluster desk`: the analyst's desk (alert store, HTTP API, console, `/metrics`) fed from the
/// alert stream instead of a run.
///
/// Alerts are taken through a durable consumer and acknowledged only once the store has written them,
/// so a desk killed mid-way takes the rest again at its next start; an alert the stream gives twice is
/// stored once (the store keeps one row per id).
struct ClusterDeskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk",
        abstract: "Serve the analyst's desk (store, API, console) over the alert stream's alerts.",
        discussion: """
            Stores every alert of the alert stream in --state-dir/alerts.sqlite, as vigil run --http does, \
            and serves the console and the alert API on --http. The analysts' exceptions hold alerts back \
            as in a run. --drain ends when the stream has nothing more; otherwise it runs until SIGINT or \
            SIGTERM.
            """)

    @OptionGroup var server: NATSOptions

    @Option(help: ArgumentHelp("The durable consumer to read with (each desk its own).", valueName: "name"))
    var consumer = "desk"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the alert store is kept.", valueName: "dir"))
    var stateDirectory: String = RunOptions.defaultStateDirectory

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    @Flag(help: "End when nothing is left to read.")
    var drain = false

    @OptionGroup(title: "The analyst's desk: alert store, HTTP API, console") var console: ConsoleOptions

    func validate() throws {
        if console.http == nil { throw ValidationError("vigil cluster desk needs --http HOST:PORT") }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
            return handler
        }
        let logger = Logger(label: "vigil")
        var runOptions = RunOptions(mode: .run)
        runOptions.stateDirectory = stateDirectory
        let desk: AnalystDesk
        do {
            desk = try AnalystDesk(console, runOptions: &runOptions, logger: logger)
        } catch {
            throw VigilFailure(message: error.message)
        }
        defer { desk.stop() }
        guard let store = runOptions.extraOutputs.last else { return }
        runOptions.observer?.runStarted()
        let stop = StopSignal()
        let client = try server.connect(as: "desk")
        var taken = 0
        do {
            try client.ensurePullConsumer(stream: ClusterLayout.alertStream, durable: consumer, maxAckPending: 4096)
            let subscription = try client.pullSubscription(
                stream: ClusterLayout.alertStream, durable: consumer, subject: ClusterLayout.alertSubject)
            while !stop.requested {
                let messages = try subscription.fetch(count: 256, timeoutMilliseconds: 500)
                if messages.isEmpty {
                    if drain, try client.consumerState(stream: ClusterLayout.alertStream, durable: consumer).pending == 0 { break }
                    continue
                }
                var lines = AlertLines()
                for message in messages {
                    lines.append(tier: Self.tier(of: message.data)) { bytes in
                        bytes += message.data
                        bytes.append(UInt8(ascii: "\n"))
                    }
                }
                let kept = runOptions.alertFilter?.filter(lines, now: WallClock.now().nanoseconds).kept ?? lines
                store.accept(kept)
                // Acknowledged once written: a desk that dies before takes them again.
                while true {
                    let counts = store.counts
                    if counts.delivered + counts.dropped >= counts.accepted || stop.requested { break }
                    usleep(2_000)
                }
                guard !stop.requested else { break }
                for message in messages { try subscription.acknowledge(message) }
                taken += messages.count
            }
        } catch {
            store.finish(timeout: .seconds(5))
            throw VigilFailure(message: "\(error)")
        }
        store.finish(timeout: .seconds(5))
        let counts = store.counts
        logger.info(
            "desk: took \(taken) alerts from the stream, stored \(counts.delivered), held back \(counts.accepted < UInt64(taken) ? UInt64(taken) - counts.accepted : 0)"
        )
    }

    /// The `"tier":N` of an alert line (1 when it has none).
    static func tier(of line: [UInt8]) -> Int {
        let key = Array(#""tier":"#.utf8)
        guard let start = line.firstRange(of: key)?.upperBound, start < line.count else { return 1 }
        let digit = line[start]
        return digit >= UInt8(ascii: "1") && digit <= UInt8(ascii: "9") ? Int(digit - UInt8(ascii: "0")) : 1
    }
}

/// SIGINT or SIGTERM seen (a Dispatch source each; their default action is turned off).
final class StopSignal: @unchecked Sendable {
    private let flag = NSLock()
    private var seen = false
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    private func set() {
        flag.lock()
        seen = true
        flag.unlock()
    }

    var requested: Bool {
        flag.lock()
        defer { flag.unlock() }
        return seen
    }
}
