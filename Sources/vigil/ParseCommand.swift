import ArgumentParser
import VigilPipeline

/// `vigil parse`: prints every event as one normalized JSON line on stdout.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse logs and print one normalized JSON event per line.",
        discussion: """
            Each line has time (RFC 3339 UTC), host, app, pid, facility, severity, msg, format, fields \
            and, when parsing failed, error. Events come out in input order whatever --workers is.
            """
    )

    @OptionGroup var options: InputOptions

    func run() throws {
        let logger = options.makeLogger()
        do {
            _ = try Runner.run(try options.runOptions(mode: .parse), logger: logger)
        } catch let error as RunError {
            throw VigilFailure(message: error.description)
        }
    }
}
