import ArgumentParser
import Foundation
import VigilEvent
import VigilIngest

/// `vigil tail`: follows the alerts of a running vigil (its `/alerts/stream`) or of an alerts file, one
/// line per alert on a terminal.
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow alerts live: from a vigil run with --http, or from an alerts file.",
        discussion: """
            One line per alert: time, tier, episode state, rule title, entity, count; new episodes are \
            marked NEW and escalations ESCALATED. Coloured by tier on a terminal (never when stdout is not \
            a terminal or NO_COLOR is set). A broken connection is retried, resuming after the last alert \
            seen (Last-Event-ID), and said so on stderr. --json prints each alert's JSON unchanged.

            With tokens configured on the server, give one with --token-file FILE (a file holding the \
            token) or the VIGIL_TOKEN environment variable.
            """
    )

    @Option(help: "The vigil server (its --http address).")
    var url: String = "http://127.0.0.1:8765"

    @Option(help: ArgumentHelp("Follow this alerts file (JSON lines, e.g. --alerts FILE) instead of a server.", valueName: "path"))
    var file: String?

    @Option(help: "Only alerts of this tier (1, 2 or 3).")
    var tier: Int?

    @Option(name: .customLong("min-level"), help: "Only alerts of rules of this Sigma level and above.")
    var minLevel: String?

    @Option(help: "Only alerts of this rule (id, name or title).")
    var rule: String?

    @Flag(help: "Print each alert's JSON unchanged.")
    var json = false

    @Option(help: ArgumentHelp("First print the alerts of the last DURATION (event time): 30m, 2h, 7d.", valueName: "duration"))
    var since: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the bearer token.", valueName: "path"))
    var tokenFile: String?

    func validate() throws {
        if let tier, !(1...3).contains(tier) { throw ValidationError("--tier must be 1, 2 or 3") }
        if let minLevel, AlertSelection.levelRank(minLevel) == nil {
            throw ValidationError("--min-level must be one of informational, low, medium, high, critical")
        }
        if let since, AlertSelection.seconds(since) == nil { throw ValidationError("--since: expected a duration such as 30m, 2h or 7d") }
    }

    func run() throws {
        // Stoppable by Ctrl-C and SIGTERM whatever signal mask the parent left (threads started later
        // inherit this one).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
        let colour = !json && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let printer = AlertPrinter(json: json, format: AlertTerminalLine(colour: colour))
        var selection = AlertSelection(tier: tier, minimumLevel: minLevel, rule: rule)
        if let since {
            selection.notBefore = Timestamp(nanoseconds: WallClock.now().nanoseconds - Int64(AlertSelection.seconds(since)! * 1e9))
        }
        if let file {
            try AlertFileFollower(path: file, selection: selection, printer: printer).run()
            return
        }
        var token = ProcessInfo.processInfo.environment["VIGIL_TOKEN"]
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("--token-file \(tokenFile): cannot be read")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https", base.host != nil else {
            throw ValidationError("--url: expected http://HOST:PORT or https://HOST:PORT")
        }
        let client = AlertStreamClient(base: base, token: token, selection: selection, since: since, printer: printer)
        let status = client.runBlocking()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Which alerts `vigil tail` shows; the server filters the same way, and the file follower here.
struct AlertSelection {
    var tier: Int?
    var minimumLevel: String?
    var rule: String?
    /// Alerts whose event time is earlier are not shown (`--since`, file mode).
    var notBefore: Timestamp?

    static let levels = ["informational", "low", "medium", "high", "critical"]

    static func levelRank(_ level: String) -> Int? { levels.firstIndex(of: level.lowercased()) }

    /// `30s`, `15m`, `2h`, `7d` in seconds.
    static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86_400
        default: return nil
        }
    }

    /// The query string of the stream and listing requests.
    var queryItems: [URLQueryItem] {
        var items: [URLQueryItem] = []
        if let tier { items.append(URLQueryItem(name: "tier", value: String(tier))) }
        if let minimumLevel { items.append(URLQueryItem(name: "min_level", value: minimumLevel)) }
        if let rule { items.append(URLQueryItem(name: "rule", value: rule)) }
        return items
    }

    func accepts(_ alert: [String: Any]) -> Bool {
        if let tier, (alert["tier"] as? Int) != tier { return false }
        let rule = alert["rule"] as? [String: Any]
        if let minimumLevel, let wanted = Self.levelRank(minimumLevel) {
            guard let level = rule?["level"] as? String, let rank = Self.levelRank(level), rank >= wanted else { return false }
        }
        if let wanted = self.rule {
            let names = ["id", "name", "title"].compactMap { rule?[$0] as? String }
            guard names.contains(wanted) else { return false }
        }
        if let notBefore {
            guard let time = (alert["time"] as? String).flatMap({ Timestamp(rfc3339: $0) }), time >= notBefore else { return false }
        }
        return true
    }
}

/// Writes alerts to standard output, a line at a time (flushed: a pipe reader sees each at once).
struct AlertPrinter: Sendable {
    var json: Bool
    var format: AlertTerminalLine

    func print(_ data: Data) {
        var line: Data
        if json {
            line = data
        } else if let text = format.render(data) {
            line = Data(text.utf8)
        } else {
            return
        }
        line.append(0x0A)
        FileHandle.standardOutput.write(line)
    }
}

/// Status lines on stderr (`reconnected`, errors), never mixed into the alerts on stdout.
func tailNote(_ text: String) {
    FileHandle.standardError.write(Data("vigil tail: \(text)\n".utf8))
}
