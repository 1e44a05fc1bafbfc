// CommandLineEntry: the single place where errors become messages and exit codes.
// 0 success, 1 a stage failed, 2 invalid input (a file, a flag, an experiment).
import ArgumentParser
import FileFormats
import Foundation
import PipelineEngine

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
        let words = arguments ?? Array(CommandLine.arguments.dropFirst())
        // Reader mode: HSIFlow reading an untrusted HDF5 file in a limited child (IsolatedReader).
        if arguments == nil, words.first == IsolatedReader.childCommand { IsolatedReader.serve(Array(words.dropFirst())) }
        // Counted before the argument parser sees them: parsing 20,000 repeated options takes a minute.
        if let problem = LoaderLimits.standard.overridesProblem(count: words.count { $0 == "--set" || $0.hasPrefix("--set=") }) {
            FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
            exit(ExitStatus.invalidInput.rawValue)
        }
        // Before anything starts a thread: the fork server for isolated reads, for the commands that
        // may read a model or .mat file (not help, --version or completions; see ReaderZygote) —
        // only when every HDF5 file is to be read in a child (HSIFLOW_HDF5_READER=isolated). By
        // default the Swift HDF5 reader answers in this process, and the few files it leaves to the
        // isolated reader spawn one (starting the zygote would cost every command ~5 ms).
        if arguments == nil, mayReadUntrustedHDF5(words), IsolatedReader.everyReadIsolated { ReaderZygote.start() }
        do {
            var command = try parse(words)
            try command.run()
            ReaderZygote.stop()
            exit(ExitStatus.success.rawValue)
        } catch {
            ReaderZygote.stop()
            let (message, status) = describe(error, arguments: words)
            if !message.isEmpty {
                // Help, --version and completion answers are the output asked for: stdout.
                let stream = status == ExitStatus.success.rawValue ? FileHandle.standardOutput : FileHandle.standardError
                stream.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            }
            exit(status)
        }
    }

    /// Whether a command line may read a model or .mat file, so that a reader zygote pays off.
    static func mayReadUntrustedHDF5(_ words: [String]) -> Bool {
        guard let command = words.first, ["run", "plan", "validate", "inspect", "predict", "stage", "data"].contains(command) else { return false }
        return !words.contains { ["-h", "--help", "--version", "--generate-completion-script"].contains($0) || $0.hasPrefix("---completion") }
    }

    /// Parses `arguments`; a misspelt subcommand becomes "unknown command … (did you mean …?)".
    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        do {
            return try HSIFlowCommand.parseAsRoot(arguments)
        } catch {
            if HSIFlowCommand.exitCode(for: error) != .success,
               let unknown = CommandLookup(arguments).unknownCommandError {
                throw unknown
            }
            throw error
        }
    }

    /// The message and exit status for an error, without printing anything.
    /// `arguments` (the command line) lets a help request end with that command's examples.
    public static func describe(_ error: Error, arguments: [String] = []) -> (message: String, status: Int32) {
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
            if code == .success {
                // A help screen (from --help, `help`, or a bare group) ends with the command's examples.
                let lookup = CommandLookup(arguments)
                guard text.trimmingTrailingNewlines() == HSIFlowCommand.helpMessage(for: lookup.command).trimmingTrailingNewlines()
                else { return (text, 0) }
                let examples = HelpExamples.section(for: lookup.path, command: lookup.command)
                return (examples.isEmpty ? text : text.trimmingTrailingNewlines() + "\n\n" + examples, 0)
            }
            if code == .validationFailure { return (text, ExitStatus.invalidInput.rawValue) }
            if error is CleanExit { return (text, code.rawValue) }
            // Anything else escaped a command's own error handling: report it as invalid input
            // only if it carries a domain message; otherwise it is a failure of the work.
            return ("error: \(error)", ExitStatus.workFailed.rawValue)
        }
    }
}

extension String {
    /// The string without trailing newlines.
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
