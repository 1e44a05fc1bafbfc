// StageIDCompletion: the completion callback for stage ids. The shell passes the words of the
// line; this reads the experiment file named there (with any --set overrides) and lists its
// stage ids, matrix instances included. Any problem yields no candidates, never an error.
import ArgumentParser
import Foundation
import PipelineEngine

/// Stage-id candidates for `--only`, `--force`, `--recompute` and `stage run`.
enum StageIDCompletion {
    /// For options that accept a stage name (standing for all its instances) or an instance id.
    static var selectors: CompletionKind {
        .custom { words, index, prefix in
            candidates(words: words, completing: index, prefix: prefix, includeNames: true)
        }
    }

    /// For `stage run`, which takes one instance id.
    static var instances: CompletionKind {
        .custom { words, index, prefix in
            candidates(words: words, completing: index, prefix: prefix, includeNames: false)
        }
    }

    /// The ids declared by the first *.yaml/*.yml word on the line (other than the one being
    /// completed), in file order, that start with `prefix`; a matrix stage's name comes before
    /// its instances when `includeNames`.
    static func candidates(words: [String], completing index: Int, prefix: String, includeNames: Bool,
                           directory: String = FileManager.default.currentDirectoryPath) -> [String] {
        var file: String?
        var overrides: [String] = []
        var i = 1
        while i < words.count {
            defer { i += 1 }
            guard i != index else { continue }
            let word = unquoted(words[i])
            if word == "--set", i + 1 < words.count, i + 1 != index {
                overrides.append(unquoted(words[i + 1]))
                i += 1
            } else if word.hasPrefix("--set=") {
                overrides.append(String(word.dropFirst("--set=".count)))
            } else if file == nil, !word.hasPrefix("-"), word.hasSuffix(".yaml") || word.hasSuffix(".yml") {
                file = word
            }
        }
        guard let file else { return [] }
        var path = (file as NSString).expandingTildeInPath
        if !path.hasPrefix("/") { path = (directory as NSString).appendingPathComponent(path) }
        let loader = ExperimentLoader(registry: EngineSupport.registry, baseDirectory: URL(fileURLWithPath: directory))
        var out: [String] = []
        var seen = Set<String>()
        for id in loader.declaredStageIDs(path: path, overrides: overrides) {
            if includeNames, !id.matrix.isEmpty, seen.insert(id.name).inserted { out.append(id.name) }
            if seen.insert(id.description).inserted { out.append(id.description) }
        }
        let typed = unquoted(prefix)
        return out.filter { $0.hasPrefix(typed) && isSafeWord($0) }
    }

    /// Whether a candidate can go back to a shell as it is. Bash expands the words a completion
    /// function hands to `compgen -W`, so a stage key like `c$(rm -rf ~)` in someone else's
    /// experiment file would run. Only stage-id characters pass: letters, digits, `_`, `-`, `.`,
    /// and the matrix form's `[`, `]`, `=`, `,`.
    static func isSafeWord(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { c in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-.[]=,".unicodeScalars.contains(c))
        }
    }

    /// A shell word without surrounding quotes and backslash escapes.
    static func unquoted(_ word: String) -> String {
        var w = Substring(word)
        if let first = w.first, first == "'" || first == "\"" {
            w = w.dropFirst()
            if w.last == first { w = w.dropLast() }
        }
        var out = ""
        var escaped = false
        for c in w {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}
