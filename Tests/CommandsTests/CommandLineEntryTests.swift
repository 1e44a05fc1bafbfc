import ArgumentParser
import Testing
@testable import Commands

@Suite struct CommandLineEntryTests {
    @Test func userInputErrorsExitTwo() {
        let (message, status) = CommandLineEntry.describe(UserInputError("bad file"))
        #expect(status == 2)
        #expect(message == "error: bad file")
    }

    @Test func failedWorkExitsOne() {
        #expect(CommandLineEntry.describe(WorkFailedError("stage train failed")).status == 1)
    }

    @Test func unknownFlagsAndMissingArgumentsExitTwo() {
        for arguments in [["inspect"], ["inspect", "x.npy", "--bogus"], ["no-such-command"]] {
            do {
                _ = try HSIFlowCommand.parseAsRoot(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                #expect(CommandLineEntry.describe(error).status == 2, "\(arguments)")
            }
        }
    }

    @Test func helpExitsZeroAndListsTheCommands() {
        let (_, status) = CommandLineEntry.describe(CleanExit.helpRequest(HSIFlowCommand.self))
        #expect(status == 0)
        #expect(HSIFlowCommand.helpMessage().contains("inspect"))
        #expect(HSIFlowCommand.helpMessage().contains("data"))
    }
}

@Suite struct CommandLookupTests {
    @Test func aMisspeltSubcommandBecomesAUserInputErrorWithASuggestion() {
        for (arguments, expected) in [(["rnu", "x.yaml"], "'rnu' for 'hsiflow' (did you mean 'run'?)"),
                                      (["cache", "verfy"], "'verfy' for 'hsiflow cache' (did you mean 'verify'?)"),
                                      (["stage", "rn"], "'rn' for 'hsiflow stage' (did you mean 'run'?)")] {
            do {
                _ = try CommandLineEntry.parse(arguments)
                Issue.record("\(arguments) parsed")
            } catch {
                let (message, status) = CommandLineEntry.describe(error)
                #expect(status == 2)
                #expect(message.contains("unknown command \(expected)"), "\(message)")
            }
        }
    }

    @Test func onlyTheSubcommandPositionIsChecked() {
        #expect(CommandLookup(["run", "rnu.yaml"]).unknownWord == nil)
        #expect(CommandLookup(["--verison"]).unknownWord == nil)
        #expect(CommandLookup(["help", "cache", "du"]).path == ["cache", "du"])
        #expect(CommandLookup(["xyzzy"]).unknownCommandError?.message.contains("did you mean") == false)
    }

    @Test func rootHelpListsCommandsInOrderWithOneExampleEach() {
        let help = CommandLineEntry.describe(CleanExit.helpRequest(HSIFlowCommand.self)).message
        let order = ["run", "plan", "diff", "compare", "report", "graph", "validate", "inspect", "predict", "export", "stage", "status", "cache", "data", "completions"]
        let positions = order.compactMap { help.range(of: "\n  \($0) ")?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted(), "\(help)")
        let examples = help.components(separatedBy: "EXAMPLES (one per command, in the order above):\n").last ?? ""
        #expect(examples.split(separator: "\n").map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" } == order)
    }

    @Test func everyCommandHasExamples() {
        func visit(_ command: ParsableCommand.Type, _ path: [String]) {
            if !path.isEmpty { #expect(!(HelpExamples.table[path.joined(separator: " ")] ?? []).isEmpty, "\(path)") }
            for sub in command.configuration.subcommands { visit(sub, path + [sub._commandName]) }
        }
        visit(HSIFlowCommand.self, [])
    }
}
