import ArgumentParser
import Logging
import VigilEvent
import VigilIngest
import VigilPipeline

/// Options shared by `vigil run` and `vigil parse`: where input comes from and how it is parsed.
struct InputOptions: ParsableArguments {
    @Argument(help: "Files to read (plain or gzip); '-' is stdin. Default: stdin, unless a listener is given.")
    var inputs: [String] = []

    @Flag(
        help:
            "Read file inputs on as they grow, across rotation by rename and by copy-truncate, until stopped; each file's position is kept in --state-dir so a restart neither skips nor repeats lines."
    )
    var follow = false

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Directory for what outlives a run: followed files' positions, and the correlation state a run stopped by SIGINT/SIGTERM keeps for the next start.",
            valueName: "dir"))
    var stateDirectory: String = RunOptions.defaultStateDirectory

    @Option(help: "Message format: auto, rfc3164, rfc5424, json or raw.")
    var format: String = "auto"

    @Option(help: "Time zone of RFC 3164 timestamps (IANA name).")
    var timezone: String = "UTC"

    @Option(
        name: .customLong("host-timezone"),
        help: ArgumentHelp(
            "Time zone of RFC 3164 timestamps from hosts whose name matches PATTERN (* and ? wildcards; repeatable, first match wins).",
            valueName: "pattern=zone"))
    var hostTimezones: [String] = []

    @Option(
        help: "Year of RFC 3164 time stamps, which carry none (default: inferred from a file's modification time, else the receive time).")
    var year: Int?

    @Option(
        help: ArgumentHelp(
            "How far ahead of the clock (live input) or of its source's progress (replays) an event's time may jump and still move event time at once: 5m, 30s, 1h.",
            valueName: "duration"))
    var maxClockSkew: String = "5m"

    @Option(
        help: ArgumentHelp(
            "How far behind its receive time an event on a listener may be stamped and still count at its own time; older ones count at their receive time: 10m, 1h.",
            valueName: "duration"))
    var maxClockLag: String = "10m"

    @Option(
        name: .customLong("json-time-key"),
        help: "JSON member holding the event time (repeatable; default: timestamp, @timestamp, time, ts).")
    var jsonTimeKeys: [String] = []

    @Option(
        help: ArgumentHelp(
            "Listen for syslog over UDP on HOST:PORT (repeatable; ',timezone=ZONE' sets the zone of its RFC 3164 stamps).",
            valueName: "host:port[,timezone=zone]"))
    var udp: [String] = []

    @Option(
        help: ArgumentHelp(
            "Listen for syslog over TCP on HOST:PORT (repeatable; RFC 6587 framing; ',timezone=ZONE' as for --udp).",
            valueName: "host:port[,timezone=zone]"))
    var tcp: [String] = []

    @Option(
        help: ArgumentHelp(
            "Listen for syslog over TLS on HOST:PORT (RFC 5425, usually port 6514; repeatable; needs --tls-cert and --tls-key).",
            valueName: "host:port[,timezone=zone]"))
    var tls: [String] = []

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Certificate (and chain) of the TLS listeners, PEM.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("Private key of --tls-cert, PEM, unencrypted.", valueName: "file"))
    var tlsKey: String?

    @Option(help: "Most open TCP and TLS connections (all listeners together); more are closed at once and counted.")
    var maxConnections: Int = 1000

    @Option(
        help: ArgumentHelp(
            "Close a TCP or TLS connection that sent no complete message for this long (0: never): 5m, 30s.", valueName: "duration"))
    var idleTimeout: String = "5m"

    @Option(
        help: ArgumentHelp(
            "Longest unfinished message one TCP or TLS connection may hold (its finished ones are handed on in batches of a quarter of this at most); a connection holding more is disconnected and counted. A number of bytes, or with K, M, G, T.",
            valueName: "size"))
    var maxConnectionBuffer: String = "1M"

    @Option(
        help: ArgumentHelp(
            "Most bytes of unfinished messages all TCP and TLS connections together may hold; past it the ones holding the largest are disconnected and counted. Finished messages waiting for the pipeline are never dropped: half of this is shared out among the connections as their batch size. A number of bytes, or with K, M, G, T.",
            valueName: "size"))
    var maxTotalBuffer: String = "64M"

    @Option(
        help: ArgumentHelp(
            "On SIGINT/SIGTERM, how long open connections may go on delivering what their peers sent before they are closed (what comes later is counted as lost): 5s.",
            valueName: "duration"))
    var shutdownGrace: String = "5s"

    @Option(
        help: ArgumentHelp(
            "Longest message kept; longer ones are cut, marked and counted. A number of bytes, or with K, M, G, T.", valueName: "size"))
    var maxMessageSize: String = SizeOption.text(64 * 1024)

    @Option(help: "Parse/decode/detect workers, also the correlation shards (default: the number of cores).")
    var workers: Int = RunOptions.defaultWorkers

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    @Option(
        name: .customLong("stats-json"),
        help: ArgumentHelp("Write the run summary as JSON to FILE (opened before any input is read).", valueName: "file"))
    var statsJSON: String?

    @Option(
        help: ArgumentHelp(
            "Most distinct field names taken from the input (JSON keys); fields with new names past it are dropped and counted.",
            valueName: "count"))
    var maxFieldNames: Int = SymbolTable.defaultDynamicNameLimit

    @Option(help: .hidden)
    var readBatchBytes: String = SizeOption.text(1 << 20)

    func validate() throws {
        guard format == "auto" || EventFormat(name: format) != nil else {
            throw ValidationError("--format must be auto, rfc3164, rfc5424, json or raw (got '\(format)')")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let years = Timestamp.representableYears
        if let year, !years.contains(year) {
            throw ValidationError("--year must be between \(years.lowerBound) and \(years.upperBound) (the years vigil's time type holds)")
        }
        do { try ParserOptions(timeZone: timezone).validate() } catch { throw ValidationError("--timezone: \(error.description)") }
        for entry in hostTimezones {
            do {
                try ParserOptions.validate(zone: try ParserOptions.HostTimeZone(parsing: entry).zone)
            } catch {
                throw ValidationError("--host-timezone: \(error.description)")
            }
        }
        for (text, option) in [(maxClockSkew, "--max-clock-skew"), (maxClockLag, "--max-clock-lag")] {
            let duration = try DurationOption.parse(text, option: option)
            guard duration >= .seconds(1) && duration <= .seconds(366 * 86_400) else {
                throw ValidationError("\(option) must be between 1s and 366d (got '\(text)')")
            }
        }
        guard !stateDirectory.isEmpty else { throw ValidationError("--state-dir must not be empty") }
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be between 1 and 256") }
        _ = try SizeOption.parse(maxMessageSize, option: "--max-message-size", in: 64...(16 << 20))
        _ = try SizeOption.parse(readBatchBytes, option: "--read-batch-bytes", in: 1...Int.max)
        guard maxFieldNames >= 0 else { throw ValidationError("--max-field-names must not be negative") }
        if !tls.isEmpty && (tlsCert == nil || tlsKey == nil) { throw ValidationError("--tls needs --tls-cert and --tls-key") }
        if tls.isEmpty && (tlsCert != nil || tlsKey != nil) { throw ValidationError("--tls-cert and --tls-key need --tls HOST:PORT") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        let connectionBuffer = try SizeOption.parse(maxConnectionBuffer, option: "--max-connection-buffer", in: 4096...Int.max)
        guard try SizeOption.parse(maxTotalBuffer, option: "--max-total-buffer", in: 1...Int.max) >= connectionBuffer else {
            throw ValidationError("--max-total-buffer: '\(maxTotalBuffer)' is less than --max-connection-buffer (\(maxConnectionBuffer))")
        }
        _ = try DurationOption.parse(idleTimeout, option: "--idle-timeout")
        _ = try DurationOption.parse(shutdownGrace, option: "--shutdown-grace")
        for address in udp + tcp + tls {
            let parsed: ListenAddress
            do { parsed = try ListenAddress(parsing: address) } catch { throw ValidationError(error.description) }
            if let zone = parsed.timeZone {
                do { try ParserOptions.validate(zone: zone) } catch { throw ValidationError("\(address): \(error.description)") }
            }
        }
    }

    /// The run's options for `mode` (after ``validate()``, which has checked every value parses).
    func runOptions(mode: RunOptions.Mode) throws -> RunOptions {
        var parser = ParserOptions()
        if let forced = EventFormat(name: format) { parser.format = .forced(forced) }
        parser.timeZone = timezone
        parser.year = year
        parser.hostTimeZones = try hostTimezones.map { try ParserOptions.HostTimeZone(parsing: $0) }
        if !jsonTimeKeys.isEmpty { parser.jsonTimeKeys = jsonTimeKeys }
        var options = RunOptions(
            mode: mode,
            inputs: inputs,
            udp: try udp.map { try ListenAddress(parsing: $0) },
            tcp: try tcp.map { try ListenAddress(parsing: $0) },
            parser: parser,
            maxMessageSize: ByteSizeText.parse(maxMessageSize)!,
            workers: workers,
            statsJSONPath: statsJSON,
            readBatchSize: max(ByteSizeText.parse(readBatchBytes)!, 4096)
        )
        options.maxFieldNames = maxFieldNames
        options.tls = try tls.map { try ListenAddress(parsing: $0) }
        if let tlsCert, let tlsKey { options.tlsFiles = ListenerTLS(certificatePath: tlsCert, privateKeyPath: tlsKey) }
        options.listener.maxConnections = maxConnections
        options.listener.idleTimeoutDuration = try DurationOption.parse(idleTimeout, option: "--idle-timeout")
        options.listener.maxConnectionBuffer = ByteSizeText.parse(maxConnectionBuffer)!
        options.listener.maxTotalBuffer = ByteSizeText.parse(maxTotalBuffer)!
        options.listener.shutdownGraceDuration = try DurationOption.parse(shutdownGrace, option: "--shutdown-grace")
        options.maxClockSkew = try DurationOption.parse(maxClockSkew, option: "--max-clock-skew")
        options.maxClockLag = try DurationOption.parse(maxClockLag, option: "--max-clock-lag")
        options.follow = follow
        options.stateDirectory = stateDirectory
        return options
    }

    /// Sends swift-log output to stderr at the chosen level.
    func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "vigil")
    }
}
