// CompletionsCommandTests: the bash, zsh and fish scripts `hsiflow completions` prints, as
// snapshots, and what they must hold: every command, experiment-file globs, and the callback
// into `hsiflow ---completion` that lists stage ids.
import Testing
import TestSupport
@testable import Commands

@Suite struct CompletionsCommandTests {
    @Test(arguments: CompletionsCommand.Shell.allCases)
    func scriptMatchesItsSnapshot(_ shell: CompletionsCommand.Shell) {
        let script = CompletionsCommand.script(for: shell)
        #expect(snapshotMismatch(script, named: "completions.\(shell.rawValue).txt") == nil,
                "\(snapshotMismatch(script, named: "completions.\(shell.rawValue).txt") ?? "")")
        for command in ["run", "plan", "diff", "graph", "validate", "cache", "completions"] {
            #expect(script.contains(command), "\(shell): \(command)")
        }
        #expect(script.contains("yaml") && script.contains("yml"), "\(shell)")
        #expect(script.contains("---completion"), "\(shell)")
        #expect(script.contains("--only"), "\(shell)")
    }
}
