// HSIFlowCommand: the root of the `hsiflow` command tree. Each subcommand lives in its own
// file; they all just throw, and `CommandLineEntry` turns errors into text and exit codes.
public import ArgumentParser

/// `hsiflow`: run hyperspectral-classification experiments from one YAML file.
public struct HSIFlowCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "hsiflow",
        abstract: "Run hyperspectral-classification experiments from one declarative file.",
        version: version,
        // In the order a newcomer needs them; `hsiflow --help` lists them so, each with an example.
        subcommands: [RunCommand.self, PlanCommand.self, DiffCommand.self, CompareCommand.self, ReportCommand.self,
                      GraphCommand.self, ValidateCommand.self, InspectCommand.self, PredictCommand.self,
                      ExportCommand.self, StageCommand.self, StatusCommand.self, CacheCommand.self, DataCommand.self, CompletionsCommand.self]
    )

    public init() {}
}
