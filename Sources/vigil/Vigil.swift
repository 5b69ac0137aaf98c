import ArgumentParser
import Foundation

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Streaming log and event correlation engine.",
        discussion: """
            run, parse and check take --config FILE: a YAML file of the options, keyed by their long names \
            (docs/configuration.md). Options on the command line override it.
            """,
        subcommands: [
            RunCommand.self, ParseCommand.self, CheckCommand.self, TestCommand.self, TailCommand.self,
            SearchCommand.self, ReplayCommand.self, VerifyCommand.self, ShowCommand.self, ArchiveCommand.self, ClusterCommand.self,
        ]
    )

    /// Puts the arguments of a `--config` file in place before ArgumentParser reads the command line
    /// (``ConfigArguments``): ArgumentParser has no notion of a second source of options, and turning
    /// the file into arguments gives its values exactly the checks and precedence of the command line's.
    static func main() {
        switch ConfigArguments.rewrite(Array(CommandLine.arguments.dropFirst())) {
        case .parse(let arguments):
            Self.main(arguments)
        case .print(let text):
            print(text)
        case .fail(let lines, let status):
            for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            Foundation.exit(status)
        }
    }
}
