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
        subcommands: [RunCommand.self, PlanCommand.self, DiffCommand.self, GraphCommand.self,
                      ValidateCommand.self, StageCommand.self, CacheCommand.self,
                      ReportCommand.self, InspectCommand.self, PredictCommand.self, DataCommand.self]
    )

    public init() {}
}
