// HelpExamples: one or two real command lines for every command, kept in one table, and the
// EXAMPLES section that CommandLineEntry appends to `--help` (the root's lists one example per
// command, in the order the root lists its commands).
import ArgumentParser

/// The examples shown at the end of each command's help.
enum HelpExamples {
    /// Command path below `hsiflow` ("" for the root, "cache du") → example command lines.
    static let table: [String: [String]] = [
        "run": ["hsiflow run experiments/quickstart.yaml",
                "hsiflow run experiments/indian-pines.yaml --set stages.train.epochs=20 --jobs 2 --only train",
                "hsiflow run experiments/indian-pines.yaml --executor slurm --detach"],
        "status": ["hsiflow status 20261201T001500Z-4242", "hsiflow status 20261201T001500Z-4242 --wait --json"],
        "plan": ["hsiflow plan experiments/indian-pines.yaml",
                 "hsiflow plan experiments/indian-pines.yaml --set stages.train.epochs=20 --json"],
        "diff": ["hsiflow diff results/reference/manifest.json results/indian-pines",
                 "hsiflow diff results/indian-pines/runs/<run-id> results/indian-pines --json"],
        "compare": ["hsiflow compare seeds/1/quickstart seeds/2/quickstart seeds/3/quickstart",
                    "hsiflow compare results/reference results/indian-pines --to comparison --json"],
        "report": ["hsiflow report results/indian-pines",
                   "hsiflow report results/indian-pines --compare results/reference",
                   "hsiflow report seeds/1/quickstart --compare seeds/2/quickstart seeds/3/quickstart"],
        "graph": ["hsiflow graph experiments/indian-pines.yaml --format mermaid",
                  "hsiflow graph experiments/quickstart.yaml --json"],
        "validate": ["hsiflow validate experiments/indian-pines.yaml",
                     "hsiflow validate experiments/quickstart.yaml --json"],
        "inspect": ["hsiflow inspect data/indian_pines/Indian_pines_corrected.mat",
                    "hsiflow inspect model.h5 --json"],
        "predict": ["hsiflow predict model.h5 data/indian_pines/Indian_pines_corrected.mat"],
        "export": ["hsiflow export results/indian-pines",
                   "hsiflow export results/quickstart --to quickstart-export --json"],
        "stage": ["hsiflow stage run experiments/indian-pines.yaml 'reduce[bands=pca]'"],
        "stage run": ["hsiflow stage run experiments/indian-pines.yaml scene",
                      "hsiflow stage run experiments/indian-pines.yaml 'train[bands=pca]' --json"],
        "cache": ["hsiflow cache du"],
        "cache du": ["hsiflow cache du", "hsiflow cache du --cache /scratch/hsiflow-cache --json"],
        "cache verify": ["hsiflow cache verify",
                         "hsiflow cache verify experiments/indian-pines.yaml --recompute train --json"],
        "cache gc": ["hsiflow cache gc --dry-run", "hsiflow cache gc --keep-runs 3 --json"],
        "data": ["hsiflow data fetch indian-pines"],
        "data fetch": ["hsiflow data fetch indian-pines --to data/indian_pines"],
        "data check": ["hsiflow data check data/indian_pines", "hsiflow data check data/indian_pines --json"],
        "data synthetic": ["hsiflow data synthetic --to data/synthetic --bands 32"],
        "completions": ["hsiflow completions bash > ~/.local/share/bash-completion/completions/hsiflow",
                        "hsiflow completions zsh > ~/.zfunc/_hsiflow"],
    ]

    /// The examples for the command at `path`; for the root, the first example of each command.
    static func examples(for path: [String], command: ParsableCommand.Type) -> [String] {
        if path.isEmpty {
            return command.configuration.subcommands.compactMap { table[$0._commandName]?.first }
        }
        return table[path.joined(separator: " ")] ?? []
    }

    /// The EXAMPLES section, or "" when the command has none.
    static func section(for path: [String], command: ParsableCommand.Type) -> String {
        let lines = examples(for: path, command: command)
        guard !lines.isEmpty else { return "" }
        let title = path.isEmpty ? "EXAMPLES (one per command, in the order above):" : "EXAMPLES:"
        return title + "\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}
