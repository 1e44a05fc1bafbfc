// CompletionsCommand: `hsiflow completions bash|zsh|fish` — the shell completion script, built on
// ArgumentParser's generator. It completes commands, flags, experiment files (*.yaml, *.yml),
// and stage ids by calling back into `hsiflow` (see StageIDCompletion).
import ArgumentParser

struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print a shell completion script (bash, zsh or fish).",
        discussion: """
            Completes commands, flags, experiment files (*.yaml, *.yml), and for --only, --force, \
            --recompute and `stage run` the stage ids of the experiment file already on the line \
            (matrix instances included). Install it where your shell looks, e.g. bash: \
            ~/.local/share/bash-completion/completions/hsiflow; zsh: a file _hsiflow in a folder \
            on $fpath; fish: ~/.config/fish/completions/hsiflow.fish.
            """)

    /// Shells ArgumentParser writes scripts for.
    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: return .bash
            case .zsh: return .zsh
            case .fish: return .fish
            }
        }
    }

    @Argument(help: "bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        EngineSupport.print(Self.script(for: shell))
    }

    /// The completion script for `shell`.
    static func script(for shell: Shell) -> String {
        HSIFlowCommand.completionScript(for: shell.completionShell)
    }
}
