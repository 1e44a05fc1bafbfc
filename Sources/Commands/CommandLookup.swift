// CommandLookup: walks the words of a command line down the `hsiflow` command tree. It finds the
// command whose help was asked for (to add its examples) and a misspelt subcommand (to say
// "did you mean 'run'?"); CommandLineEntry consults it only after ArgumentParser has answered.
import ArgumentParser
import PipelineEngine

/// Where the leading words of a command line lead in the command tree.
struct CommandLookup {
    /// The deepest command the words name, and its path below `hsiflow` (e.g. ["cache", "du"]).
    let command: ParsableCommand.Type
    let path: [String]
    /// The word that stood where a subcommand of `command` was expected but named none.
    let unknownWord: String?

    /// Follows `arguments` from `root`: a word naming a subcommand descends; the first option
    /// stops the walk; `help` in front is skipped (`hsiflow help cache du`).
    init(_ arguments: [String], root: ParsableCommand.Type = HSIFlowCommand.self) {
        var words = arguments[...]
        if words.first == "help" { words = words.dropFirst() }
        var command = root
        var path: [String] = []
        var unknown: String?
        for word in words {
            if word.hasPrefix("-") { break }
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty { break }
            guard let next = subcommands.first(where: { Self.names(of: $0).contains(word) }) else {
                unknown = word
                break
            }
            command = next
            path.append(next._commandName)
        }
        self.command = command
        self.path = path
        self.unknownWord = unknown
    }

    /// The names a command answers to: its name and its aliases.
    static func names(of command: ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }

    /// "unknown command 'rnu' (did you mean 'run'?)" for a misspelt subcommand, else nil.
    var unknownCommandError: UserInputError? {
        guard let word = unknownWord else { return nil }
        var candidates: [String] = []
        for sub in command.configuration.subcommands where sub.configuration.shouldDisplay {
            candidates.append(sub._commandName)
        }
        let full = (["hsiflow"] + path).joined(separator: " ")
        let hint = Self.closest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
        return UserInputError("unknown command '\(word)' for '\(full)'\(hint); `\(full) --help` lists the commands")
    }

    /// The command a typo most likely meant: a close spelling (the engine's did-you-mean), two
    /// neighbouring letters swapped (`rnu` → `run`, which plain edit distance counts as two
    /// edits), or the only command the word begins (`val` → `validate`).
    static func closest(to word: String, among candidates: [String]) -> String? {
        if let close = suggestion(for: word, among: candidates) { return close }
        let w = Array(word)
        for candidate in candidates where candidate.count == w.count {
            let c = Array(candidate)
            let differing = w.indices.filter { w[$0] != c[$0] }
            if differing.count == 2, differing[1] == differing[0] + 1,
               w[differing[0]] == c[differing[1]], w[differing[1]] == c[differing[0]] {
                return candidate
            }
        }
        let prefixed = candidates.filter { word.count >= 2 && $0.hasPrefix(word) }
        return prefixed.count == 1 ? prefixed.first : nil
    }
}
