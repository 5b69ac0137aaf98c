import ArgumentParser
import Foundation
import VigilEvent

/// `--config FILE` and `--print-config-arguments` of `vigil run` and `vigil parse`.
///
/// ArgumentParser never acts on them: ``ConfigArguments/rewrite(_:)`` takes them off the command line
/// before it parses, since the file's arguments must be in place by then. They are declared so that
/// `--help` lists them, and so that a help request, which is passed on untouched, parses.
struct ConfigOptions: ParsableArguments {
    static let configName = "config"
    static let printName = "print-config-arguments"

    @Option(
        name: .customLong(configName),
        help: ArgumentHelp(
            "YAML file of options, keyed by their long names (docs/configuration.md); options given here override it, and a repeatable one given here replaces the file's list.",
            valueName: "file"))
    var config: String?

    @Flag(
        name: .customLong(printName),
        help: "Print the arguments the --config file and this command line make, as a JSON array, and exit without running.")
    var printArguments = false
}

/// How a configuration file and the command line combine.
///
/// The file becomes arguments placed before the command line's, and ArgumentParser parses both:
/// - a one-value option given in both takes the command line's value, because ArgumentParser keeps the
///   last value of a repeated one-value option (and the last of `--live`/`--no-live`);
/// - a list option (`--rules`, `--udp`, the inputs...) given on the command line replaces the file's list
///   rather than adding to it: the file's arguments for it are left out. Adding would leave no way to run
///   a deployment's file on other inputs or rules;
/// - `--decoders` and `--no-decoders` exclude each other, so either on the command line leaves out the
///   file's other one.
enum ConfigArguments {
    /// What `main` does with the command line.
    enum Outcome: Equatable {
        /// Parse these arguments (the command line itself when it names no file).
        case parse([String])
        /// Print this and exit 0 (`--print-config-arguments`).
        case print(String)
        /// Print these lines on stderr and exit with this status.
        case fail(lines: [String], status: Int32)
    }

    /// Exit status of a bad configuration file: that of bad rules (`runReportingRuleProblems`).
    static let problemStatus: Int32 = 2

    /// The command line ArgumentParser is to parse, for `vigil run` and `vigil parse` with `--config`.
    static func rewrite(_ arguments: [String]) -> Outcome {
        guard let first = arguments.first, let command = ConfigCommand(rawValue: first) else { return .parse(arguments) }
        let scan = CommandLineScan(Array(arguments.dropFirst()))
        // A help request must work whatever the file holds.
        if scan.helpRequested { return .parse(arguments) }
        if scan.missingConfigValue { return .fail(lines: ["Error: Missing value for '--config <file>'"], status: usageStatus) }
        guard scan.configPaths.count <= 1 else {
            return .fail(lines: ["Error: --config is given more than once; name one file"], status: usageStatus)
        }
        guard let path = scan.configPaths.first else {
            return scan.printRequested ? .print(json([first] + scan.remaining)) : .parse(arguments)
        }
        let file: ConfigFile
        do { file = try ConfigFile.load(path: path) } catch { return .fail(lines: error.lines, status: problemStatus) }
        let fileArguments = kept(file.arguments(for: command), given: scan.given)
        let merged = fileArguments.flatMap(\.tokens) + scan.remaining
        if scan.printRequested { return .print(json([first] + merged)) }
        let refused: ConfigError?
        switch command {
        case .run: refused = problem(parsing: merged, as: RunCommand.self, file: file, fileArguments: fileArguments, given: scan.given)
        case .parse: refused = problem(parsing: merged, as: ParseCommand.self, file: file, fileArguments: fileArguments, given: scan.given)
        }
        if let refused { return .fail(lines: refused.lines, status: problemStatus) }
        return .parse([first] + merged)
    }

    /// The `vigil run` that `file` and the command-line arguments `commandLine` make, as ArgumentParser
    /// parses and validates it (`vigil check --config`).
    static func runCommand(file: ConfigFile, commandLine: [String]) throws(ConfigError) -> RunCommand {
        let scan = CommandLineScan(commandLine)
        let fileArguments = kept(file.arguments(for: .run), given: scan.given)
        let merged = fileArguments.flatMap(\.tokens) + scan.remaining
        do {
            return try RunCommand.parse(merged)
        } catch {
            throw located(RunCommand.message(for: error), file: file, fileArguments: fileArguments, given: scan.given)
                ?? .problems([RuleDiagnostic(file: file.path, line: 0, column: 0, message: RunCommand.message(for: error))])
        }
    }

    /// The file's arguments less those the command line overrides by replacing them.
    static func kept(_ arguments: [ConfigArgument], given: Set<String>) -> [ConfigArgument] {
        let excluding = ["decoders": "no-decoders", "no-decoders": "decoders"]
        return arguments.filter { argument in
            let isList = ConfigKeys.byName[argument.option]?.isList ?? false
            if isList && given.contains(argument.option) { return false }
            if let other = excluding[argument.option], given.contains(other) { return false }
            return true
        }
    }

    /// ArgumentParser's objection to `merged` when it is about a value from the file: that value's key
    /// located in the file. Objections to the command line's own options are left to ArgumentParser to
    /// report as usual, with its usage line.
    static func problem<C: ParsableCommand>(
        parsing merged: [String], as command: C.Type, file: ConfigFile, fileArguments: [ConfigArgument], given: Set<String>
    ) -> ConfigError? {
        do {
            _ = try C.parse(merged)
            return nil
        } catch {
            return located(C.message(for: error), file: file, fileArguments: fileArguments, given: given)
        }
    }

    /// `message` as a problem at the key of the first option it names that only the file set, or else of
    /// a value from the file that it quotes.
    static func located(_ message: String, file: ConfigFile, fileArguments: [ConfigArgument], given: Set<String>) -> ConfigError? {
        var rest = Substring(message)
        while let start = rest.range(of: "--") {
            let name = String(rest[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" })
            rest = rest[start.upperBound...]
            let option = ConfigKeys.key(forOption: name)?.name ?? name
            guard !given.contains(option), let argument = fileArguments.first(where: { $0.option == option }) else { continue }
            // A key for a flag this build lacks (ConfigKeys.alerts before AlertOptions): ArgumentParser's
            // suggestion of a similar flag would mislead.
            let reason = message.hasPrefix("Unknown option") ? "this vigil has no --\(name) option" : message
            // A sink's key names no flag: say which key the flag in the message came from.
            let text = argument.key == argument.option ? reason : "'\(argument.key)': \(reason)"
            return .problems([RuleDiagnostic(file: file.path, line: argument.line, column: argument.column, message: text)])
        }
        // A message that names no option (`invalid address '127.0.0.1:99999'`) may quote a value the file gave.
        for argument in fileArguments where !given.contains(argument.option) {
            let values = argument.tokens.map { $0.hasPrefix("--") ? String($0.drop { $0 != "=" }.dropFirst()) : $0 }
            if values.contains(where: { !$0.isEmpty && message.contains("'\($0)'") }) {
                let text = argument.key == argument.option ? "--\(argument.option): \(message)" : "'\(argument.key)': \(message)"
                return .problems([RuleDiagnostic(file: file.path, line: argument.line, column: argument.column, message: text)])
            }
        }
        return nil
    }

    static let usageStatus = ExitCode.validationFailure.rawValue

    static func json(_ arguments: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(arguments)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

/// What a `run` or `parse` command line (after the subcommand) gives, read without ArgumentParser, which
/// cannot run before the file's arguments are in place.
struct CommandLineScan {
    /// Every `--config` value.
    var configPaths: [String] = []
    /// `--config` was last, without its value.
    var missingConfigValue = false
    var printRequested = false
    /// `--help`, `-h`, `--experimental-dump-help`, `--version`.
    var helpRequested = false
    /// The keys of the options given (`live` for `--no-live`), and `inputs` when an input is.
    var given: Set<String> = []
    /// The arguments without `--config FILE` and `--print-config-arguments`.
    var remaining: [String] = []

    init(_ arguments: [String]) {
        var index = arguments.startIndex
        var onlyInputs = false
        while index < arguments.endIndex {
            let token = arguments[index]
            index += 1
            if onlyInputs || token == "-" || !token.hasPrefix("-") {
                given.insert("inputs")
                remaining.append(token)
                continue
            }
            if token == "--" {
                onlyInputs = true
                remaining.append(token)
                continue
            }
            guard token.hasPrefix("--") else {
                if token == "-h" { helpRequested = true }
                remaining.append(token)
                continue
            }
            let body = token.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            var value = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            var consumed = [token]
            // An option's value is the next argument whatever it looks like, as ArgumentParser reads it.
            if value == nil && ConfigKeys.optionsTakingValues.contains(name) && index < arguments.endIndex {
                value = arguments[index]
                consumed.append(arguments[index])
                index += 1
            }
            switch name {
            case ConfigOptions.configName:
                if let value { configPaths.append(value) } else { missingConfigValue = true }
            case ConfigOptions.printName:
                printRequested = true
            case "help", "experimental-dump-help", "version":
                helpRequested = true
                remaining += consumed
            default:
                given.insert(ConfigKeys.key(forOption: name)?.name ?? name)
                remaining += consumed
            }
        }
    }
}
