// CommandLineEntry: the single place where errors become messages and exit codes.
// 0 success, 1 a stage failed, 2 invalid input (a file, a flag, an experiment).
import ArgumentParser
import Foundation

/// An error a user can fix: bad input, a missing file, a wrong flag. Exit code 2.
public struct UserInputError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Work ran and failed (a stage threw). Exit code 1.
public struct WorkFailedError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Exit codes of `hsiflow`.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case workFailed = 1
    case invalidInput = 2
}

/// Parses the command line, runs the command, and maps every error to a message and an exit code.
public enum CommandLineEntry {
    public static func main(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try HSIFlowCommand.parseAsRoot(arguments)
            try command.run()
            exit(ExitStatus.success.rawValue)
        } catch {
            let (message, status) = describe(error)
            if !message.isEmpty {
                FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            }
            exit(status)
        }
    }

    /// The message and exit status for an error, without printing anything.
    public static func describe(_ error: Error) -> (message: String, status: Int32) {
        switch error {
        case let e as UserInputError:
            return ("error: \(e.message)", ExitStatus.invalidInput.rawValue)
        case let e as WorkFailedError:
            return ("error: \(e.message)", ExitStatus.workFailed.rawValue)
        case let e as ExitCode:
            // A command chose its exit status and has already printed what it had to say.
            return ("", e.rawValue)
        default:
            // ArgumentParser's own errors: help and version exit 0, usage errors become 2.
            let code = HSIFlowCommand.exitCode(for: error)
            let text = HSIFlowCommand.fullMessage(for: error)
            if code == .success { return (text, 0) }
            if code == .validationFailure { return (text, ExitStatus.invalidInput.rawValue) }
            if error is CleanExit { return (text, code.rawValue) }
            // Anything else escaped a command's own error handling: report it as invalid input
            // only if it carries a domain message; otherwise it is a failure of the work.
            return ("error: \(error)", ExitStatus.workFailed.rawValue)
        }
    }
}
