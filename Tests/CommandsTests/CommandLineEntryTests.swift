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
