import ArgumentParser
import VigilPipeline

/// `vigil run`: reads the inputs through the pipeline and prints a summary on stderr.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read logs from files, stdin or syslog listeners and report what was seen.",
        discussion: """
            Reads every input to its end, then prints a summary on stderr (events in, by format, parse \
            errors by reason, drops, events/s). With --udp or --tcp, runs until SIGINT or SIGTERM; \
            either signal drains the pipeline and exits cleanly.
            """
    )

    @OptionGroup var options: InputOptions

    func run() throws {
        let logger = options.makeLogger()
        do {
            _ = try Runner.run(try options.runOptions(mode: .run), logger: logger)
        } catch let error as RunError {
            throw VigilFailure(message: error.description)
        }
    }
}

/// A run that failed with a message already written for the user.
struct VigilFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
