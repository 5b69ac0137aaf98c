import ArgumentParser
import Foundation
import VigilEvent
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// The command-line arguments one key of a configuration file stands for.
struct ConfigArgument: Sendable, Equatable {
    /// The long option the arguments set (`inputs` for the positional inputs): a command line that
    /// gives the same option overrides them.
    var option: String
    /// The arguments, each option in its `--name=VALUE` form so that no value can be read as an option.
    var tokens: [String]
    /// The subcommands that take the option.
    var commands: Set<ConfigCommand>
    /// The key as written (`sinks.file.path` for a sink's), for messages.
    var key: String
    /// Where the key stands, to point at it when ArgumentParser refuses its value.
    var line: Int
    var column: Int
}

/// Why a configuration file cannot be used.
enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The file was read; these are its problems, one per key or value, in the file's order.
    case problems([RuleDiagnostic])

    /// What to print on stderr, one line each: every problem as `FILE:LINE:COLUMN: message`, then a
    /// summary that says nothing was read, as for bad rules.
    var lines: [String] {
        switch self {
        case .unreadable(let path, let reason):
            return ["vigil: cannot read the configuration file '\(path)': \(reason); nothing was read"]
        case .problems(let diagnostics):
            return diagnostics.map(\.description) + ["vigil: \(summary); nothing was read"]
        }
    }

    var description: String { lines.joined(separator: "\n") }

    /// The problems alone, one line each (`vigil check` prints them on stdout).
    var problemLines: [String] {
        switch self {
        case .unreadable(let path, let reason): ["\(path):0:0: cannot read the configuration file: \(reason)"]
        case .problems(let diagnostics): diagnostics.map(\.description)
        }
    }

    /// One line saying how many problems the file has.
    var summary: String {
        switch self {
        case .unreadable(let path, _): "cannot read the configuration file \(path)"
        case .problems(let diagnostics): "\(diagnostics.count) problem(s) in the configuration file \(diagnostics.first?.file ?? "")"
        }
    }
}

/// A configuration file (`--config FILE`) read, checked and turned into command-line arguments.
///
/// The file is a YAML mapping whose keys are the long flag names of `vigil run` (``ConfigKeys``). Rather
/// than filling the option structs a second way, the file becomes arguments that ArgumentParser parses
/// together with the command line (``ConfigArguments``): every value then goes through exactly the
/// checks and defaults the command line has, and a flag's meaning is written down once.
struct ConfigFile: Sendable {
    /// The file as named on the command line (problems are reported under this name).
    var path: String
    /// The keys' arguments in the file's order.
    var arguments: [ConfigArgument]

    /// Reads and checks the file at `path`; relative paths in it are taken from its directory.
    ///
    /// - Throws: ``ConfigError/unreadable(path:reason:)`` when the file cannot be read, and
    ///   ``ConfigError/problems(_:)`` with every problem found (not just the first) otherwise.
    static func load(path: String) throws(ConfigError) -> ConfigFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: FileManager.default.isReadableFile(atPath: path) ? "read failed" : "permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path: path, reason: "it is not UTF-8 text") }
        return try parse(text, path: path, baseDirectory: directory(of: path))
    }

    /// Checks the YAML `text` of the file `path`, resolving relative paths against `baseDirectory`.
    static func parse(_ text: String, path: String, baseDirectory: String) throws(ConfigError) -> ConfigFile {
        var reader = ConfigReader(file: path, baseDirectory: baseDirectory)
        do {
            if let root = try Yams.compose(yaml: text) { reader.read(root: root) }
        } catch let error as YamlError {
            reader.diagnostics.append(yamlDiagnostic(error, file: path))
        } catch {
            reader.diagnostics.append(RuleDiagnostic(file: path, line: 0, column: 0, message: "YAML error: \(error)"))
        }
        reader.reportConflicts()
        guard reader.diagnostics.isEmpty else { throw .problems(reader.diagnostics.sortedByLocation()) }
        return ConfigFile(path: path, arguments: reader.arguments)
    }

    /// The arguments for `command`, the inputs last (where a reader of the command line expects them).
    func arguments(for command: ConfigCommand) -> [ConfigArgument] {
        let wanted = arguments.filter { $0.commands.contains(command) }
        return wanted.filter { $0.option != "inputs" } + wanted.filter { $0.option == "inputs" }
    }

    /// The directory relative paths in the file at `path` are taken from: the file's own, with its
    /// symbolic links resolved so that `..` at the start of a path means what it says.
    static func directory(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let directory = (absolute as NSString).deletingLastPathComponent
        guard let resolved = realpath(directory, nil) else { return directory }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> RuleDiagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return RuleDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return RuleDiagnostic(
                file: file, line: context.mark.line, column: context.mark.column, message: "\(keys) is given more than once")
        default:
            return RuleDiagnostic(file: file, line: 0, column: 0, message: "YAML error: \(error)")
        }
    }
}

/// Walks the YAML tree of one configuration file, collecting arguments and problems.
private struct ConfigReader {
    let file: String
    let baseDirectory: String
    var diagnostics: [RuleDiagnostic] = []
    var arguments: [ConfigArgument] = []

    init(file: String, baseDirectory: String) {
        self.file = file
        self.baseDirectory = baseDirectory
    }

    mutating func problem(_ node: Node, _ message: String) {
        diagnostics.append(RuleDiagnostic(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message))
    }

    mutating func add(_ option: String, _ tokens: [String], key: String, at node: Node, commands: Set<ConfigCommand> = [.run]) {
        arguments.append(
            ConfigArgument(
                option: option, tokens: tokens, commands: commands, key: key, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0))
    }

    mutating func read(root: Node) {
        guard case .mapping(let mapping) = root else {
            problem(root, "a configuration file is a mapping of option names to values (lateness: 5s)")
            return
        }
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode, !scalar.string.isEmpty else {
                problem(keyNode, "a key is an option name (lateness), not a list or mapping")
                continue
            }
            let name = scalar.string
            if name == ConfigOptions.configName {
                problem(keyNode, "'config' cannot be set in a configuration file: name the file on the command line")
                continue
            }
            guard let key = ConfigKeys.byName[name] else {
                let hint = ConfigKeys.suggestion(for: name).map { " (did you mean '\($0)'?)" } ?? ""
                problem(keyNode, "unknown key '\(name)'\(hint)")
                continue
            }
            read(key, value: value, at: keyNode)
        }
    }

    mutating func read(_ key: ConfigKey, value: Node, at keyNode: Node) {
        let name = key.name
        switch key.arity {
        case .flag(let inversion):
            guard let on = bool(value, key: name) else { return }
            if let flag = on ? name : inversion { add(name, ["--\(flag)"], key: name, at: keyNode, commands: key.commands) }
        case .single(let type):
            guard let text = scalar(value, key: name, type: type) else { return }
            add(name, ["--\(name)=\(text)"], key: name, at: keyNode, commands: key.commands)
        case .repeated(let type):
            guard let items = list(value, key: name, type: type) else { return }
            add(name, items.map { "--\(name)=\($0)" }, key: name, at: keyNode, commands: key.commands)
        case .positional(let type):
            guard let items = list(value, key: name, type: type) else { return }
            add(name, items, key: name, at: keyNode, commands: key.commands)
        case .section:
            readSinks(value)
        }
    }

    // MARK: Values

    /// Whether `node` is YAML's null (`key:` with nothing after it, `~`, `null`).
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The value of a one-value key, checked against `type` (a path resolved), or nil after a problem.
    mutating func scalar(_ node: Node, key: String, type: ConfigValueType) -> String? {
        switch node {
        case .sequence:
            problem(node, "'\(key)' takes one value (\(type.noun)), not a list")
            return nil
        case .mapping:
            problem(node, "'\(key)' takes one value (\(type.noun)), not a mapping")
            return nil
        case .alias:
            problem(node, "'\(key)': aliases are not supported")
            return nil
        case .scalar(let scalar):
            guard !Self.isNull(node) else {
                problem(node, "'\(key)' has no value")
                return nil
            }
            return check(scalar.string, node: node, key: key, type: type)
        }
    }

    mutating func check(_ text: String, node: Node, key: String, type: ConfigValueType) -> String? {
        switch type {
        case .text:
            return text
        case .path:
            return resolve(text)
        case .integer(let range):
            guard let number = Int(text) else {
                problem(node, "'\(key)' must be a whole number (got '\(text)')")
                return nil
            }
            guard range.contains(number) else {
                let bounds =
                    range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
                problem(node, "'\(key)' must be \(bounds) (got '\(text)')")
                return nil
            }
            return text
        case .size:
            guard ByteSizeText.parse(text) != nil else {
                problem(node, "'\(key)': '\(text)' is no size (\(SizeOption.grammar): 64K, 1M)")
                return nil
            }
            return text
        case .duration:
            do {
                _ = try DurationOption.parse(text, option: "'\(key)'")
                return text
            } catch {
                problem(node, error.message)
                return nil
            }
        case .choice(let words):
            guard words.contains(text) else {
                problem(node, "'\(key)' must be \(type.noun) (got '\(text)')")
                return nil
            }
            return text
        }
    }

    /// The values of a list key: a YAML list, or one value standing for a list of one.
    mutating func list(_ node: Node, key: String, type: ConfigValueType) -> [String]? {
        switch node {
        case .sequence(let sequence):
            var values: [String] = []
            var ok = true
            for item in sequence {
                guard case .scalar = item, !Self.isNull(item) else {
                    problem(item, "each item of '\(key)' is one value (\(type.noun))")
                    ok = false
                    continue
                }
                if let value = scalar(item, key: key, type: type) { values.append(value) } else { ok = false }
            }
            return ok ? values : nil
        case .mapping:
            problem(node, "'\(key)' takes a list of values (\(type.noun)), not a mapping")
            return nil
        case .scalar, .alias:
            if Self.isNull(node) {
                problem(node, "'\(key)' has no value (write [] for none)")
                return nil
            }
            return scalar(node, key: key, type: type).map { [$0] }
        }
    }

    /// A flag's value, `true` or `false` (nothing else: `yes` or `1` are more likely a mistake than a wish).
    mutating func bool(_ node: Node, key: String) -> Bool? {
        if case .scalar(let scalar) = node {
            if ["true", "True", "TRUE"].contains(scalar.string) { return true }
            if ["false", "False", "FALSE"].contains(scalar.string) { return false }
            problem(node, "'\(key)' must be true or false (got '\(scalar.string)')")
        } else {
            let what = if case .mapping = node { "a mapping" } else { "a list" }
            problem(node, "'\(key)' must be true or false, not \(what)")
        }
        return nil
    }

    /// `path` taken from the configuration file's directory unless absolute; `-` (stdin) stays.
    ///
    /// Leading `./` and `../` are applied to the directory (whose links are resolved, see
    /// ``ConfigFile/directory(of:)``) to keep paths short in messages and summaries; later ones are left
    /// as written, since a link inside the path could make `a/../b` another file than `b`.
    func resolve(_ path: String) -> String {
        guard path != "-", !path.hasPrefix("/") else { return path }
        var directory = baseDirectory
        var rest = Substring(path)
        while true {
            if rest == "." || rest == ".." {
                if rest == ".." { directory = (directory as NSString).deletingLastPathComponent }
                rest = ""
            } else if rest.hasPrefix("./") {
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("../") {
                directory = (directory as NSString).deletingLastPathComponent
                rest = rest.dropFirst(3)
            } else if rest.hasPrefix("/") {
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        if rest.isEmpty { return directory }
        return directory.hasSuffix("/") ? directory + rest : directory + "/" + rest
    }

    // MARK: Sinks

    /// `sinks:`, the alert outputs in one place, turned into the flags of each (`--alerts`,
    /// `--stdout-min-tier`, `--syslog-out URL,min-tier=N`...).
    mutating func readSinks(_ node: Node) {
        let sinks = ["stdout", "file", "syslog", "webhook"]
        guard case .mapping(let mapping) = node else {
            problem(node, "'sinks' is a mapping of \(sinks.joined(separator: ", ")) to their settings")
            return
        }
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            switch name {
            case "stdout":
                if case .scalar = value {
                    // `stdout: false` turns standard output off; `true` is what it is anyway.
                    if bool(value, key: "sinks.stdout") == false { add("no-stdout", ["--no-stdout"], key: "sinks.stdout", at: keyNode) }
                    continue
                }
                guard let fields = fields(value, label: "sinks.stdout", allowed: ["min-tier": .integer(1...3)]) else { continue }
                if let tier = fields["min-tier"] {
                    add("stdout-min-tier", ["--stdout-min-tier=\(tier.text)"], key: "sinks.stdout.min-tier", at: tier.node)
                }
            case "file":
                let allowed: [String: ConfigValueType] = [
                    "path": .path, "min-tier": .integer(1...3), "max-size": .size, "keep": .integer(0...Int.max),
                ]
                guard let fields = fields(value, label: "sinks.file", allowed: allowed) else { continue }
                guard let path = fields["path"] else {
                    problem(value, "'sinks.file' needs a path (the alert file)")
                    continue
                }
                add("alerts", ["--alerts=\(path.text)"], key: "sinks.file.path", at: path.node)
                for (field, option) in [("min-tier", "alerts-min-tier"), ("max-size", "alerts-max-size"), ("keep", "alerts-keep")] {
                    if let setting = fields[field] {
                        add(option, ["--\(option)=\(setting.text)"], key: "sinks.file.\(field)", at: setting.node)
                    }
                }
            case "syslog", "webhook":
                readDestinations(value, sink: name, option: name == "syslog" ? "syslog-out" : "webhook", at: keyNode)
            default:
                let hint = ConfigKeys.suggestion(for: name, among: sinks).map { " (did you mean '\($0)'?)" } ?? ""
                problem(keyNode, "unknown sink '\(name)'\(hint); sinks are \(sinks.joined(separator: ", "))")
            }
        }
    }

    /// A list of syslog or webhook destinations, each a URL or `{url: URL, min-tier: N}`.
    mutating func readDestinations(_ node: Node, sink: String, option: String, at keyNode: Node) {
        let label = "sinks.\(sink)"
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .mapping, .scalar, .alias: items = [node]
        }
        var tokens: [String] = []
        for item in items {
            if case .scalar = item {
                if let url = scalar(item, key: label, type: .text) { tokens.append("--\(option)=\(url)") }
                continue
            }
            guard let fields = fields(item, label: label, allowed: ["url": .text, "min-tier": .integer(1...3)]) else { continue }
            guard let url = fields["url"] else {
                problem(item, "each of '\(label)' needs a url")
                continue
            }
            tokens.append("--\(option)=\(url.text)" + (fields["min-tier"].map { ",min-tier=\($0.text)" } ?? ""))
        }
        if !tokens.isEmpty { add(option, tokens, key: label, at: keyNode) }
    }

    /// The checked values of a small mapping with the keys `allowed`, or nil when it is no mapping.
    mutating func fields(_ node: Node, label: String, allowed: [String: ConfigValueType]) -> [String: (text: String, node: Node)]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "'\(label)' is a mapping of \(allowed.keys.sorted().joined(separator: ", "))")
            return nil
        }
        var values: [String: (text: String, node: Node)] = [:]
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            guard let type = allowed[name] else {
                let hint = ConfigKeys.suggestion(for: name, among: Array(allowed.keys)).map { " (did you mean '\($0)'?)" } ?? ""
                problem(keyNode, "unknown key '\(name)' in '\(label)'\(hint)")
                continue
            }
            if let text = scalar(value, key: "\(label).\(name)", type: type) { values[name] = (text, value) }
        }
        return values
    }

    /// Two keys setting the same one-value option (`alerts` and `sinks.file.path`): which one was meant
    /// is a guess, so it is a problem.
    mutating func reportConflicts() {
        var seen: [String: ConfigArgument] = [:]
        for argument in arguments {
            if let first = seen[argument.option] {
                diagnostics.append(
                    RuleDiagnostic(
                        file: file, line: argument.line, column: argument.column,
                        message: "'\(argument.key)' sets --\(argument.option) as '\(first.key)' does (line \(first.line)); keep one"))
            } else {
                seen[argument.option] = argument
            }
        }
    }
}
