import ArgumentParser

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Streaming log and event correlation engine.",
        subcommands: [RunCommand.self, ParseCommand.self, CheckCommand.self, TestCommand.self]
    )
}
