import Logging
import VigilCorrelate
import VigilEvent

/// The subcommands a configuration file feeds. `vigil check --config` validates what `run` would get.
enum ConfigCommand: String, Sendable {
    case run
    case parse
}

/// What one value in a configuration file must be.
///
/// The loader checks each value's type where it stands in the file, so that a mistake is reported at its
/// line and column instead of as a flag the user never typed. What a value means (a zone name, a listen
/// address) is still checked by the options themselves, once, for the command line and the file alike.
enum ConfigValueType: Sendable {
    /// Any scalar, passed on as written.
    case text
    /// A file or directory: relative paths are taken from the configuration file's directory.
    case path
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A size: a number of bytes, or with `K`, `M`, `G`, `T` (``SizeOption``).
    case size
    /// A duration: a number and a unit, `5s`, `500ms` (``DurationOption``).
    case duration
    /// One of a fixed set of words.
    case choice([String])

    /// The type as a message names it.
    var noun: String {
        switch self {
        case .text: "a string"
        case .path: "a path"
        case .integer: "a whole number"
        case .size: "a size"
        case .duration: "a duration"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        }
    }
}

/// How a key's value turns into command-line arguments.
enum ConfigArity: Sendable {
    /// `true` gives `--name`; `false` gives `--<inversion>` when the flag has one, else nothing (there is
    /// no way to say "off" to ArgumentParser for a flag without an inversion, and nothing is off already).
    case flag(inversion: String?)
    /// One value: `--name=VALUE`.
    case single(ConfigValueType)
    /// A list (or one value): `--name=V1 --name=V2`.
    case repeated(ConfigValueType)
    /// A list passed as the command's positional arguments (the inputs).
    case positional(ConfigValueType)
    /// A mapping of its own (`sinks`), expanded by ``ConfigFile``.
    case section
}

/// One key a configuration file may hold: the long name of a flag of `vigil run` or `vigil parse`.
struct ConfigKey: Sendable {
    /// The key, which is also the long flag name (without `--`).
    var name: String
    var arity: ConfigArity
    /// The subcommands that have the flag; `vigil parse --config` leaves the others out, so one file can
    /// serve both commands.
    var commands: Set<ConfigCommand>

    /// Whether the key takes a value on the command line (`--name VALUE`), for reading the command line.
    var takesValue: Bool {
        switch arity {
        case .single, .repeated: true
        case .flag, .positional, .section: false
        }
    }

    /// Whether the command line's values for this key replace the file's instead of adding to them.
    var isList: Bool {
        switch arity {
        case .repeated, .positional: true
        case .flag, .single, .section: false
        }
    }
}

/// Every key of a configuration file.
///
/// The table mirrors the flags of `RunCommand` and `ParseCommand` (InputOptions, DecoderOptions,
/// LogsourceOptions, RuleOptions). `ConfigEndToEndTests` compares it with the flags ArgumentParser
/// reports (`--experimental-dump-help`), so a flag added without a key here fails a test.
enum ConfigKeys {
    private static let both: Set<ConfigCommand> = [.run, .parse]
    private static let runOnly: Set<ConfigCommand> = [.run]
    private static let tier = ConfigValueType.integer(1...3)
    private static let count = ConfigValueType.integer(0...Int.max)
    private static let limit = ConfigValueType.integer(0...Int(UInt32.max))

    static let all: [ConfigKey] = input + decoders + logsources + rules + alerts + console

    /// InputOptions (`run`, `parse`).
    static let input: [ConfigKey] = [
        ConfigKey(name: "inputs", arity: .positional(.path), commands: both),
        ConfigKey(name: "follow", arity: .flag(inversion: nil), commands: both),
        ConfigKey(name: "state-dir", arity: .single(.path), commands: both),
        ConfigKey(name: "format", arity: .single(.choice(["auto"] + EventFormat.allCases.map(\.name))), commands: both),
        ConfigKey(name: "timezone", arity: .single(.text), commands: both),
        ConfigKey(name: "host-timezone", arity: .repeated(.text), commands: both),
        ConfigKey(name: "year", arity: .single(.integer(Int.min...Int.max)), commands: both),
        ConfigKey(name: "max-clock-skew", arity: .single(.duration), commands: both),
        ConfigKey(name: "max-clock-lag", arity: .single(.duration), commands: both),
        ConfigKey(name: "json-time-key", arity: .repeated(.text), commands: both),
        ConfigKey(name: "udp", arity: .repeated(.text), commands: both),
        ConfigKey(name: "tcp", arity: .repeated(.text), commands: both),
        ConfigKey(name: "tls", arity: .repeated(.text), commands: both),
        ConfigKey(name: "tls-cert", arity: .single(.path), commands: both),
        ConfigKey(name: "tls-key", arity: .single(.path), commands: both),
        ConfigKey(name: "max-connections", arity: .single(count), commands: both),
        ConfigKey(name: "idle-timeout", arity: .single(.duration), commands: both),
        ConfigKey(name: "max-connection-buffer", arity: .single(.size), commands: both),
        ConfigKey(name: "max-total-buffer", arity: .single(.size), commands: both),
        ConfigKey(name: "shutdown-grace", arity: .single(.duration), commands: both),
        ConfigKey(name: "max-message-size", arity: .single(.size), commands: both),
        ConfigKey(name: "workers", arity: .single(count), commands: both),
        ConfigKey(name: "log-level", arity: .single(.choice(Logger.Level.allCases.map(\.rawValue))), commands: both),
        ConfigKey(name: "stats-json", arity: .single(.path), commands: both),
        ConfigKey(name: "max-field-names", arity: .single(count), commands: both),
        ConfigKey(name: "read-batch-bytes", arity: .single(.size), commands: both),
    ]

    /// DecoderOptions (`run`, `parse`).
    static let decoders: [ConfigKey] = [
        ConfigKey(name: "decoders", arity: .repeated(.path), commands: both),
        ConfigKey(name: "no-decoders", arity: .flag(inversion: nil), commands: both),
        ConfigKey(name: "skip-bad-rules", arity: .flag(inversion: nil), commands: both),
        ConfigKey(name: "regex-match-limit", arity: .single(limit), commands: both),
        ConfigKey(name: "regex-depth-limit", arity: .single(limit), commands: both),
        ConfigKey(name: "regex-jit-stack", arity: .single(.size), commands: both),
    ]

    /// LogsourceOptions (`run`, `parse`).
    static let logsources: [ConfigKey] = [
        ConfigKey(name: "logsources", arity: .repeated(.path), commands: both),
        ConfigKey(name: "no-default-logsources", arity: .flag(inversion: nil), commands: both),
        ConfigKey(name: "logsource", arity: .single(.text), commands: both),
    ]

    /// RuleOptions (`run`).
    static let rules: [ConfigKey] = [
        ConfigKey(name: "rules", arity: .repeated(.path), commands: runOnly),
        ConfigKey(name: "emit", arity: .single(.choice(CorrelationOptions.Emit.allCases.map(\.rawValue))), commands: runOnly),
        ConfigKey(name: "lateness", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "max-groups", arity: .single(count), commands: runOnly),
        ConfigKey(name: "max-state-memory", arity: .single(.size), commands: runOnly),
        ConfigKey(name: "alerts", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "absence-at-end", arity: .single(.choice(["decide", "leave"])), commands: runOnly),
        ConfigKey(name: "live", arity: .flag(inversion: "no-live"), commands: runOnly),
        ConfigKey(name: "early-alerts", arity: .flag(inversion: "no-early-alerts"), commands: runOnly),
    ]

    /// Alert tiers, suppression, health and sinks (`run`, AlertOptions).
    static let alerts: [ConfigKey] = [
        ConfigKey(name: "tiers", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "min-tier", arity: .single(tier), commands: runOnly),
        ConfigKey(name: "alerts-min-tier", arity: .single(tier), commands: runOnly),
        ConfigKey(name: "alerts-max-size", arity: .single(.size), commands: runOnly),
        ConfigKey(name: "alerts-keep", arity: .single(count), commands: runOnly),
        ConfigKey(name: "stdout-min-tier", arity: .single(tier), commands: runOnly),
        ConfigKey(name: "no-stdout", arity: .flag(inversion: nil), commands: runOnly),
        ConfigKey(name: "syslog-out", arity: .repeated(.text), commands: runOnly),
        ConfigKey(name: "webhook", arity: .repeated(.text), commands: runOnly),
        ConfigKey(name: "spool-size", arity: .single(.size), commands: runOnly),
        ConfigKey(name: "suppression-gap", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "source-silence", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "sinks", arity: .section, commands: runOnly),
    ]

    /// The alert store, HTTP API and console (`run`, ConsoleOptions).
    static let console: [ConfigKey] = [
        ConfigKey(name: "http", arity: .single(.text), commands: runOnly),
        ConfigKey(name: "http-token-file", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "http-tls-cert", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "http-tls-key", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "alert-retention", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "archive", arity: .single(.path), commands: runOnly),
        ConfigKey(name: "segment-size", arity: .single(.size), commands: runOnly),
        ConfigKey(name: "segment-age", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "flush-interval", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "fsync", arity: .flag(inversion: nil), commands: runOnly),
        ConfigKey(name: "retain", arity: .single(.duration), commands: runOnly),
        ConfigKey(name: "retain-size", arity: .single(.size), commands: runOnly),
        ConfigKey(name: "archive-key-file", arity: .single(.path), commands: runOnly),
    ]

    /// The keys by name.
    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Long option names of `run` and `parse` that take a value on the command line, the keys' and
    /// `--config`'s: reading the command line needs them to tell an option's value from an input.
    static let optionsTakingValues: Set<String> = Set(all.filter(\.takesValue).map(\.name)).union([ConfigOptions.configName])

    /// The key of a command-line option name (`no-live` is `live`'s), or nil.
    static func key(forOption name: String) -> ConfigKey? {
        if let key = byName[name] { return key }
        return all.first {
            if case .flag(let inversion?) = $0.arity { return inversion == name }
            return false
        }
    }

    /// The known key closest to `name` (a misspelling), or nil when none is close.
    static func suggestion(for name: String, among candidates: [String] = all.map(\.name)) -> String? {
        let scored = candidates.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance: how many characters to insert, delete or replace to turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
