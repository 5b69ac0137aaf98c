import Foundation
import Testing
import VigilTestSupport

/// `vigil run|parse|check --config FILE` through the built binary: the file stands for command-line
/// arguments (docs/configuration.md), so most tests compare it with the flags it replaces.
@Suite("vigil --config FILE")
struct ConfigEndToEndTests {
    /// A directory holding `vigil.yml` with `text`, removed by the caller.
    func configDirectory(_ text: String) throws -> (directory: URL, config: String) {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("vigil.yml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        return (directory, config)
    }

    /// What `--print-config-arguments` prints: the arguments ArgumentParser would parse.
    func printedArguments(_ arguments: [String]) throws -> [String] {
        let result = try runVigil(arguments + ["--print-config-arguments"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
    }

    // MARK: The sample file

    @Test("samples/vigil.yml gives the alerts of the same run as flags (make demo), and vigil check accepts it")
    func sampleConfigMatchesFlags() throws {
        let state = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let flags = try runSamples(["--state-dir", state.appendingPathComponent("flags").path])
        let config = try runVigil(["run", "--config", "samples/vigil.yml", "--state-dir", state.appendingPathComponent("config").path])
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(config.status == 0, "\(config.stderr)")
        #expect(config.stderr.contains("vigil: 6528 events"), "\(config.stderr)")
        #expect(!config.stdout.isEmpty)
        #expect(sortedLines(comparable(config.stdout)) == sortedLines(comparable(flags.stdout)))

        let check = try runVigil(["check", "--config", "samples/vigil.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.isEmpty)
        #expect(check.stderr.contains("samples/vigil.yml: "), "\(check.stderr)")
        #expect(check.stderr.contains(": no problems"), "\(check.stderr)")
    }

    @Test("the sample file works from another working directory: its paths are taken from its own directory")
    func sampleConfigFromElsewhere() throws {
        let elsewhere = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let sample = TestPaths.packageRoot.appendingPathComponent("samples/vigil.yml").path
        let result = try runVigil(
            ["run", "--config", sample, "--state-dir", elsewhere.appendingPathComponent("state").path], currentDirectory: elsewhere)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("vigil: 6528 events"), "\(result.stderr)")
        #expect(
            sortedLines(comparable(result.stdout))
                == sortedLines(comparable(try runSamples(["--state-dir", elsewhere.appendingPathComponent("s2").path]).stdout)))
    }

    // MARK: Precedence

    @Test("ArgumentParser keeps the last value of a one-value option and of --live/--no-live: the command line's")
    func lastValueWins() throws {
        // What the design relies on, checked without a file: the later --lateness is the one validated.
        #expect(try runVigil(["run", "--no-decoders", "--lateness", "5x", "--lateness", "1s"], stdin: Data()).status == 0)
        #expect(try runVigil(["run", "--no-decoders", "--lateness", "1s", "--lateness", "5x"], stdin: Data()).status == 64)
        #expect(try runVigil(["run", "--no-decoders", "--live", "--no-live"], stdin: Data()).status == 0)

        let (directory, config) = try configDirectory("workers: 1\nlateness: 1h\nlive: true\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stats = temporaryPath("stats.json")
        let fromFile = try runVigil(["run", "--config", config, "--no-decoders", "--stats-json", stats], stdin: Data("a\n".utf8))
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(integer(try readStats(stats), "workers") == 1)
        let overridden = try runVigil(
            ["run", "--config", config, "--no-decoders", "--workers", "2", "--stats-json", stats], stdin: Data("a\n".utf8))
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(integer(try readStats(stats), "workers") == 2)
        // The file's valid lateness is overridden by a bad one on the command line: the command line's is
        // the one used (and refused as a usage error of the command line, not located in the file).
        let bad = try runVigil(["run", "--config", config, "--lateness", "5x"], stdin: Data())
        #expect(bad.status == 64, "\(bad.stderr)")
        #expect(bad.stderr.contains("--lateness: '5x' is no duration"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("vigil.yml:"), "\(bad.stderr)")
        // The file's arguments come first, so that the command line's are the last.
        let arguments = try printedArguments(["run", "--config", config, "--no-live", "--lateness", "2s"])
        #expect(arguments == ["run", "--workers=1", "--lateness=1h", "--live", "--no-live", "--lateness", "2s"])
        #expect(try runVigil(["run", "--config", config, "--no-live", "--no-decoders"], stdin: Data()).status == 0)
    }

    @Test("a list option on the command line (--rules, the inputs) replaces the file's list instead of adding to it")
    func commandLineListReplacesFileList() throws {
        let root = TestPaths.packageRoot.path
        let (directory, config) = try configDirectory(
            """
            inputs: [\(root)/samples/attacks.log, \(root)/samples/auth.log]
            rules: [\(root)/rules/sigma]
            year: 2026
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path
        let whole = try runVigil(["run", "--config", config, "--state-dir", state])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(Set(try alertObjects(whole.stdout).map(ruleName)).count > 5)

        let sudo = "rules/sigma/vigil/lnx_sudo_incorrect_password.yml"
        let one = try runVigil(["run", "--config", config, "--state-dir", state, "--rules", sudo, "samples/attacks.log"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(Set(try alertObjects(one.stdout).map(ruleName)) == ["lnx_sudo_incorrect_password"])
        #expect(one.stderr.contains("vigil: 38 events"), "only attacks.log, the command line's input: \(one.stderr)")

        let arguments = try printedArguments(["run", "--config", config, "--rules", sudo, "-"])
        #expect(arguments == ["run", "--year=2026", "--rules", sudo, "-"])
    }

    @Test("--decoders on the command line leaves out the file's no-decoders, and --no-decoders the file's decoders")
    func decodersExcludeEachOther() throws {
        let (directory, config) = try configDirectory("decoders: [d.yml]\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try printedArguments(["parse", "--config", config, "--no-decoders"]) == ["parse", "--no-decoders"])
    }

    // MARK: Problems

    @Test("an unknown key is an error at its line and column, with the closest key suggested; nothing is read")
    func unknownKey() throws {
        let (directory, config) = try configDirectory(
            """
            inputs: [\(TestPaths.packageRoot.path)/samples/auth.log]
            workers: 1
              # indented comment
            latenes: 5s
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        for command in ["run", "parse"] {
            let result = try runVigil([command, "--config", config])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.split(separator: "\n").map(String.init) == [
                    "\(config):4:1: unknown key 'latenes' (did you mean 'lateness'?)",
                    "vigil: 1 problem(s) in the configuration file \(config); nothing was read",
                ])
        }
        let check = try runVigil(["check", "--config", config])
        #expect(check.status == 2)
        #expect(check.stdout == "\(config):4:1: unknown key 'latenes' (did you mean 'lateness'?)\n")
    }

    @Test(
        "a value of the wrong type is an error at the value: exit 2 before any input is read",
        arguments: [
            ("workers: two", 10, "'workers' must be a whole number (got 'two')"),
            ("workers: 2.5", 10, "'workers' must be a whole number (got '2.5')"),
            ("lateness: [1s, 2s]", 11, "'lateness' takes one value (a duration), not a list"),
            ("lateness: 5x", 11, "'lateness': '5x' is no duration (a number and a unit ms, s, m, h, d, w: 5s, 500ms, 2d)"),
            ("skip-bad-rules: yes", 17, "'skip-bad-rules' must be true or false (got 'yes')"),
            ("max-message-size: 64Q", 19, "'max-message-size': '64Q' is no size (a number of bytes, or with K, M, G, T: 64K, 1M)"),
            ("rules: {a: b}", 8, "'rules' takes a list of values (a path), not a mapping"),
            ("format: xml", 9, "'format' must be one of auto, rfc3164, rfc5424, json, raw (got 'xml')"),
            ("min-tier: 4", 11, "'min-tier' must be between 1 and 3 (got '4')"),
            ("timezone:", 10, "'timezone' has no value"),
            ("sinks: {file: {max-size: 1M}}", 15, "'sinks.file' needs a path (the alert file)"),
            ("sinks: {stdot: {min-tier: 2}}", 9, "unknown sink 'stdot' (did you mean 'stdout'?); sinks are stdout, file, syslog, webhook"),
        ])
    func wrongType(line: String, column: Int, message: String) throws {
        let (directory, config) = try configDirectory("inputs: [\(TestPaths.packageRoot.path)/samples/auth.log]\n\(line)\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runVigil(["run", "--config", config])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("\(config):2:\(column): \(message)\n"), "\(result.stderr)")
        #expect(!result.stderr.contains("events"), "no input was read: \(result.stderr)")
    }

    @Test("a value ArgumentParser refuses (an unknown time zone, a bad address) is located at its key in the file")
    func refusedValueIsLocated() throws {
        let (directory, config) = try configDirectory("year: 2026\ntimezone: Mars/Olympus\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runVigil(["run", "--config", config], stdin: Data())
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("\(config):2:1: --timezone: "), "\(result.stderr)")
        let check = try runVigil(["check", "--config", config])
        #expect(check.status == 2)
        #expect(check.stdout.hasPrefix("\(config):2:1: --timezone: "), "\(check.stdout)")

        // A message naming no option is placed by the value it quotes; the command line's own bad value
        // stays a usage error of the command line.
        try Data("year: 2026\nudp: [\"127.0.0.1:99999\"]\n".utf8).write(to: URL(fileURLWithPath: config))
        let address = try runVigil(["run", "--config", config])
        #expect(address.status == 2, "\(address.stderr)")
        #expect(address.stderr.hasPrefix("\(config):2:1: --udp: invalid address '127.0.0.1:99999'"), "\(address.stderr)")
        let commandLine = try runVigil(["run", "--config", config, "--udp", "127.0.0.1:99998"])
        #expect(commandLine.status == 64, "\(commandLine.stderr)")
        #expect(commandLine.stderr.hasPrefix("Error: invalid address '127.0.0.1:99998'"), "\(commandLine.stderr)")
    }

    @Test("a missing configuration file, a directory, a duplicate key, bad YAML: clear errors, exit 2")
    func unreadableFiles() throws {
        let missing = try runVigil(["run", "--config", "/nonexistent/vigil.yml"])
        #expect(missing.status == 2)
        #expect(
            missing.stderr == "vigil: cannot read the configuration file '/nonexistent/vigil.yml': no such file; nothing was read\n")
        let directory = try runVigil(["parse", "--config", "samples"])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("cannot read the configuration file 'samples': it is a directory"), "\(directory.stderr)")

        let (folder, config) = try configDirectory("workers: 1\nworkers: 2\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        let duplicate = try runVigil(["run", "--config", config])
        #expect(duplicate.status == 2)
        #expect(duplicate.stderr.hasPrefix("\(config):1:1: 'workers' is given more than once\n"), "\(duplicate.stderr)")

        try Data("rules: [a\nworkers: 1\n".utf8).write(to: URL(fileURLWithPath: config))
        let syntax = try runVigil(["run", "--config", config])
        #expect(syntax.status == 2)
        #expect(syntax.stderr.hasPrefix("\(config):"), "\(syntax.stderr)")
        #expect(syntax.stderr.contains("YAML syntax error"), "\(syntax.stderr)")
    }

    // MARK: Sizes

    @Test("sizes take K, M, G, T in the file and on the command line: --max-message-size 1K cuts a 3000-byte line")
    func sizes() throws {
        let (directory, config) = try configDirectory(
            """
            max-message-size: 1K
            max-state-memory: 1T
            max-total-buffer: 1G
            max-connection-buffer: 4K
            regex-jit-stack: 1M
            read-batch-bytes: 64K
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let line = Data((String(repeating: "x", count: 3000) + "\nshort\n").utf8)
        for arguments in [
            ["--config", config],
            [
                "--max-message-size", "1K", "--max-state-memory", "1T", "--max-total-buffer", "1G", "--max-connection-buffer", "4K",
                "--regex-jit-stack", "1M", "--read-batch-bytes", "64K",
            ],
        ] {
            let stats = temporaryPath("stats.json")
            let result = try runVigil(["run", "--no-decoders", "--stats-json", stats] + arguments, stdin: line)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try readStats(stats)
            #expect(integer(json, "truncated") == 1)
            #expect(integer(json, "discarded_bytes") == 3000 - 1024)
        }
        // Out of range or not a size: usage errors naming the option.
        let tooBig = try runVigil(["run", "--max-message-size", "1G"], stdin: Data())
        #expect(tooBig.status == 64)
        #expect(tooBig.stderr.contains("--max-message-size must be between 64 and 16M (got '1G')"), "\(tooBig.stderr)")
        let notASize = try runVigil(["run", "--regex-jit-stack", "1X"], stdin: Data())
        #expect(notASize.status == 64)
        #expect(notASize.stderr.contains("--regex-jit-stack: '1X' is no size"), "\(notASize.stderr)")
    }

    // MARK: Paths

    @Test("relative paths in the file are taken from its directory, whatever the working directory; '-' stays stdin")
    func relativePaths() throws {
        let (directory, config) = try configDirectory(
            """
            inputs: [../logs/attacks.log]
            rules: [rules]
            alerts: out/alerts.jsonl
            stats-json: ./out/stats.json
            year: 2026
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fm = FileManager.default
        let conf = directory.appendingPathComponent("conf")
        for folder in ["conf/rules", "conf/out", "logs"] {
            try fm.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try fm.moveItem(atPath: config, toPath: conf.appendingPathComponent("vigil.yml").path)
        try fm.copyItem(
            at: TestPaths.packageRoot.appendingPathComponent("samples/attacks.log"),
            to: directory.appendingPathComponent("logs/attacks.log"))
        try fm.copyItem(
            at: TestPaths.packageRoot.appendingPathComponent("rules/sigma/vigil/lnx_sudo_incorrect_password.yml"),
            to: conf.appendingPathComponent("rules/sudo.yml"))

        // From the package root, naming the file by a relative path through the temporary directory.
        let state = directory.appendingPathComponent("state").path
        let result = try runVigil(["run", "--config", conf.appendingPathComponent("vigil.yml").path, "--state-dir", state])
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try String(contentsOf: conf.appendingPathComponent("out/alerts.jsonl"), encoding: .utf8)
        #expect(Set(try alertObjects(alerts).map(ruleName)) == ["lnx_sudo_incorrect_password"])
        let stats = try readStats(conf.appendingPathComponent("out/stats.json").path)
        #expect(integer(stats, "events") == 38)

        // Named relative to the working directory, from the directory above it.
        let arguments = try printedArguments(["run", "--config", "conf/vigil.yml"], in: directory)
        let base = try #require(arguments.first { $0.hasPrefix("--rules=") }).dropFirst("--rules=".count)
        #expect(base.hasSuffix("/conf/rules") && base.hasPrefix("/"), "\(arguments)")
        #expect(arguments.last?.hasSuffix("/logs/attacks.log") == true && arguments.last?.contains("..") == false, "\(arguments)")

        // "-" is stdin, not a file next to the configuration.
        try Data("inputs: [\"-\"]\n".utf8).write(to: conf.appendingPathComponent("stdin.yml"))
        let stdinStats = temporaryPath("stats.json")
        let stdin = try runVigil(
            ["parse", "--config", conf.appendingPathComponent("stdin.yml").path, "--no-decoders", "--stats-json", stdinStats],
            stdin: Data("one\ntwo\n".utf8))
        #expect(stdin.status == 0, "\(stdin.stderr)")
        #expect(integer(try readStats(stdinStats), "events") == 2)
    }

    func printedArguments(_ arguments: [String], in directory: URL) throws -> [String] {
        let result = try runVigil(arguments + ["--print-config-arguments"], currentDirectory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
    }

    // MARK: Every flag has a key

    /// The long options and positional arguments of `vigil COMMAND`, from ArgumentParser's tool info.
    func options(of command: String) throws -> [(name: String, kind: String, repeating: Bool, defaultValue: String?)] {
        let result = try runVigil([command, "--experimental-dump-help"])
        #expect(result.status == 0)
        let info = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let arguments = (info["command"] as? [String: Any])?["arguments"] as? [[String: Any]] ?? []
        return arguments.map { argument in
            let kind = argument["kind"] as? String ?? ""
            let names = (argument["names"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "long" }
            let name = kind == "positional" ? argument["valueName"] as? String ?? "" : names.first?["name"] as? String ?? ""
            return (name, kind, argument["isRepeating"] as? Bool ?? false, argument["defaultValue"] as? String)
        }
    }

    /// Values for options whose default ArgumentParser does not show (none, or a list).
    static let sampleValues = [
        "inputs": "samples/auth.log", "year": "2026", "host-timezone": "web-*=UTC", "json-time-key": "ts", "udp": "127.0.0.1:0",
        "tcp": "127.0.0.1:0", "tls": "127.0.0.1:0", "tls-cert": "cert.pem", "tls-key": "key.pem", "stats-json": "stats.json",
        "decoders": "rules/decoders", "logsources": "logsources.yml", "logsource": "product=linux", "rules": "rules/sigma",
        "alerts": "alerts.jsonl", "suppression-gap": "10m", "tiers": "rules/tiers.yml", "alerts-max-size": "100M",
        "syslog-out": "udp://127.0.0.1:514", "webhook": "http://127.0.0.1:8080/alerts", "archive": "archive", "retain": "30d",
        "retain-size": "50G", "archive-key-file": "archive.key",
    ]

    @Test("every option of vigil run and vigil parse has a key that makes that option", arguments: ["run", "parse"])
    func everyFlagHasAKey(command: String) throws {
        let options = try options(of: command)
        let flags = Set(options.filter { $0.kind == "flag" }.map(\.name))
        // Not keys: help, the configuration file's own options, and inversions (`live: false` is --no-live).
        let wanted = options.filter { option in
            !["help", "config", "print-config-arguments"].contains(option.name)
                && !(option.name.hasPrefix("no-") && flags.contains(String(option.name.dropFirst(3))))
        }
        #expect(wanted.count > 30)
        #expect(wanted.contains { $0.name == "inputs" && $0.kind == "positional" })
        var yaml = ""
        for option in wanted {
            let value = Self.sampleValues[option.name] ?? option.defaultValue ?? "x"
            switch option.kind {
            case "flag": yaml += "\(option.name): true\n"
            case _ where option.repeating: yaml += "\(option.name): [\"\(value)\"]\n"
            default: yaml += "\(option.name): \"\(value)\"\n"
            }
        }
        let (directory, config) = try configDirectory(yaml)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runVigil([command, "--config", config, "--print-config-arguments"])
        #expect(result.status == 0, "a flag without a key (or a key that refuses the flag's default):\n\(result.stderr)")
        let arguments = try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
        for option in wanted {
            if option.kind == "positional" {
                #expect(arguments.last?.hasSuffix("/samples/auth.log") == true, "\(arguments)")
            } else {
                #expect(
                    arguments.contains { $0 == "--\(option.name)" || $0.hasPrefix("--\(option.name)=") }, "--\(option.name): \(arguments)")
            }
        }
    }

    @Test("keys no command has are refused, keys parse lacks are left out of vigil parse")
    func keysOfOtherCommands() throws {
        let (directory, config) = try configDirectory("lateness: 1m\nworkers: 1\nconfig: other.yml\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let nested = try runVigil(["run", "--config", config])
        #expect(nested.status == 2)
        #expect(nested.stderr.hasPrefix("\(config):3:1: 'config' cannot be set in a configuration file"), "\(nested.stderr)")
        try Data("lateness: 1m\nworkers: 1\n".utf8).write(to: URL(fileURLWithPath: config))
        #expect(try printedArguments(["parse", "--config", config]) == ["parse", "--workers=1"])
    }

    // MARK: Alert tiers and sinks (flags of AlertOptions, checked at the argument level)

    @Test("the alert keys and the sinks section become the AlertOptions flags")
    func alertKeysBecomeArguments() throws {
        let (directory, config) = try configDirectory(
            """
            tiers: tiers.yml
            min-tier: 2
            emit: threshold
            alerts-min-tier: 1
            alerts-max-size: 100M
            alerts-keep: 5
            stdout-min-tier: 3
            syslog-out: ["udp://127.0.0.1:514"]
            webhook: ["http://127.0.0.1:8080/a"]
            spool-size: 1G
            suppression-gap: 10m
            no-stdout: true
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try #require(try printedArguments(["run", "--config", config]).first { $0.hasPrefix("--tiers=") })
            .dropFirst("--tiers=".count).dropLast("/tiers.yml".count)
        #expect(
            try printedArguments(["run", "--config", config]) == [
                "run", "--tiers=\(base)/tiers.yml", "--min-tier=2", "--emit=threshold", "--alerts-min-tier=1", "--alerts-max-size=100M",
                "--alerts-keep=5", "--stdout-min-tier=3", "--syslog-out=udp://127.0.0.1:514", "--webhook=http://127.0.0.1:8080/a",
                "--spool-size=1G", "--suppression-gap=10m", "--no-stdout",
            ])
        // A list on the command line replaces the file's.
        let replaced = try printedArguments(["run", "--config", config, "--syslog-out", "tcp://h:514"])
        #expect(replaced.suffix(3) == ["--no-stdout", "--syslog-out", "tcp://h:514"])
        #expect(!replaced.contains { $0.hasPrefix("--syslog-out=") }, "\(replaced)")

        try Data(
            """
            sinks:
              stdout: {min-tier: 2}
              file: {path: out/alerts.jsonl, min-tier: 1, max-size: 100M, keep: 5}
              syslog: [{url: "udp://127.0.0.1:514", min-tier: 2}, "tcp://127.0.0.1:601"]
              webhook: [{url: "http://127.0.0.1:8080/a", min-tier: 3}]
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        #expect(
            try printedArguments(["run", "--config", config]) == [
                "run", "--stdout-min-tier=2", "--alerts=\(base)/out/alerts.jsonl", "--alerts-min-tier=1", "--alerts-max-size=100M",
                "--alerts-keep=5", "--syslog-out=udp://127.0.0.1:514,min-tier=2", "--syslog-out=tcp://127.0.0.1:601",
                "--webhook=http://127.0.0.1:8080/a,min-tier=3",
            ])
        try Data("sinks: {stdout: false}\n".utf8).write(to: URL(fileURLWithPath: config))
        #expect(try printedArguments(["run", "--config", config]) == ["run", "--no-stdout"])

        // Two keys for one flag: which was meant is a guess.
        try Data("alerts: a.jsonl\nsinks:\n  file: {path: b.jsonl}\n".utf8).write(to: URL(fileURLWithPath: config))
        let twice = try runVigil(["run", "--config", config])
        #expect(twice.status == 2)
        #expect(
            twice.stderr.hasPrefix("\(config):3:16: 'sinks.file.path' sets --alerts as 'alerts' does (line 1); keep one\n"),
            "\(twice.stderr)")
    }

    // MARK: Help

    @Test("vigil --help and vigil run/parse/check --help show --config")
    func helpShowsConfig() throws {
        for arguments in [["--help"], ["run", "--help"], ["parse", "--help"], ["check", "--help"]] {
            let result = try runVigil(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.contains("--config"), "\(arguments)")
        }
        // A help request works whatever the file holds.
        let help = try runVigil(["run", "--config", "/nonexistent.yml", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--print-config-arguments"))
    }
}
