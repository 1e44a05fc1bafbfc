// YAMLTree: an experiment file as a tree of typed scalars, lists and mappings, each carrying
// its file:line:column, built from Yams' composed nodes; and `--set dotted.path=value`
// overrides applied to that tree before anything reads it.
import Foundation
import PipelineModel
import Yams

/// A YAML value with its position.
indirect enum YNode: Sendable {
    case scalar(ParamValue, SourcePosition)
    case list([YNode], SourcePosition)
    case map([YEntry], SourcePosition)

    var position: SourcePosition {
        switch self {
        case .scalar(_, let p), .list(_, let p), .map(_, let p): return p
        }
    }

    /// Plain value without positions.
    var value: ParamValue {
        switch self {
        case .scalar(let v, _): return v
        case .list(let items, _): return .list(items.map(\.value))
        case .map(let entries, _): return .object(Dictionary(entries.map { ($0.key, $0.value.value) }, uniquingKeysWith: { _, b in b }))
        }
    }

    var entries: [YEntry]? {
        if case .map(let e, _) = self { return e }
        return nil
    }

    subscript(key: String) -> YNode? { entries?.first { $0.key == key }?.value }

    /// What the value is, for "expected X, found Y" messages.
    var typeName: String {
        switch self {
        case .scalar(let v, _): return v.typeName
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}

/// One `key: value` of a mapping.
struct YEntry: Sendable {
    let key: String
    let keyPosition: SourcePosition
    var value: YNode
}

enum YAMLTree {
    /// Parses YAML text; a syntax error becomes one problem with its line and column. Nodes are
    /// counted against `budget` while Yams' tree is converted (Yams shares an anchored node
    /// between its aliases; converting copies it once per use), so an alias bomb stops at the
    /// node limit instead of being expanded.
    static func parse(_ text: String, file: String, budget: inout ExpansionBudget) -> Result<YNode, ValidationProblem> {
        if let problem = aliasKeyProblem(text, file: file) { return .failure(problem) }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return .failure(problem(for: error, file: file))
        } catch {
            return .failure(ValidationProblem(SourcePosition(file: file, line: 1, column: 1), "cannot parse YAML: \(error)"))
        }
        guard let node else {
            return .failure(ValidationProblem(SourcePosition(file: file, line: 1, column: 1), "the file is empty; an experiment needs at least `name:` and `stages:`"))
        }
        guard let tree = convert(node, file: file, budget: &budget) else {
            return .failure(ValidationProblem(SourcePosition(file: file, line: 1, column: 1), budget.exceeded ?? "the YAML tree is too large"))
        }
        return .success(tree)
    }

    /// An alias used as a mapping key (`*a: 1`, `[*a, *b]: 1`, `{*a: 1}`) or an explicit `?` key in a
    /// file that defines anchors: refused before Yams composes, because Yams checks keys for
    /// duplicates by hashing them whole, so a key that aliases an alias bomb costs time exponential
    /// in the file's size before any node could be counted (10^7 nodes: 74 s). Experiment keys are
    /// names, so nothing legitimate is lost. Quoted text and comments are skipped.
    static func aliasKeyProblem(_ text: String, file: String) -> ValidationProblem? {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return nil }
        var anchors = Set<Substring>()
        var aliasKeys: [(name: Substring, line: Int)] = []
        var explicitKeyLine: Int?
        var quote: Character?
        var lineNumber = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { lineNumber += 1 }
            // The line with quoted text blanked and its comment cut.
            var plain = ""
            var previous: Character = " "
            var escaped = false
            for c in line {
                if let q = quote {
                    if q == "\"" && c == "\\" && !escaped { escaped = true; continue }
                    if c == q && !escaped { quote = nil }
                    escaped = false
                    plain.append(" ")
                } else if c == "\"" || c == "'" {
                    quote = c
                    plain.append(" ")
                } else if c == "#" && (previous == " " || previous == "\t") {
                    break
                } else {
                    plain.append(c)
                }
                previous = c
            }
            let trimmed = plain.drop { $0 == " " || $0 == "-" || $0 == "\t" }
            if trimmed == "?" || trimmed.hasPrefix("? ") { explicitKeyLine = explicitKeyLine ?? lineNumber }
            var rest = Substring(plain)
            while let i = rest.firstIndex(where: { $0 == "&" || $0 == "*" }) {
                let nameStart = rest.index(after: i)
                let nameEnd = rest[nameStart...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } ?? rest.endIndex
                let name = rest[nameStart..<nameEnd]
                if rest[i] == "&" {
                    if !name.isEmpty { anchors.insert(name) }
                } else if !name.isEmpty {
                    // After the alias: spaces, commas, closing brackets and more aliases, then `: ` → a key.
                    var j = nameEnd
                    while j < rest.endIndex {
                        let c = rest[j]
                        if c == " " || c == "," || c == "]" || c == "}" || c == "\t" { j = rest.index(after: j); continue }
                        if c == "*" {
                            j = rest[rest.index(after: j)...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } ?? rest.endIndex
                            continue
                        }
                        break
                    }
                    if j < rest.endIndex, rest[j] == ":" {
                        let after = rest.index(after: j)
                        if after == rest.endIndex || rest[after] == " " || rest[after] == "\t" { aliasKeys.append((name, lineNumber)) }
                    }
                }
                rest = rest[nameEnd...]
            }
        }
        guard !anchors.isEmpty else { return nil }
        if let key = aliasKeys.first(where: { anchors.contains($0.name) }) {
            return ValidationProblem(SourcePosition(file: file, line: key.line, column: 1),
                                     "the alias *\(key.name) is used as a mapping key; experiment keys are names, and an aliased key can expand without bound, so it is refused")
        }
        if let line = explicitKeyLine {
            return ValidationProblem(SourcePosition(file: file, line: line, column: 1),
                                     "an explicit `?` mapping key in a file with anchors is refused; experiment keys are names (an aliased key can expand without bound)")
        }
        return nil
    }

    private static func problem(for error: YamlError, file: String) -> ValidationProblem {
        func pos(_ mark: Mark) -> SourcePosition { SourcePosition(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let extra = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ValidationProblem(pos(mark), "YAML syntax error: \(problem)\(extra)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ValidationProblem(pos(context.mark), "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping; each key may appear once")
        case .reader(let problem, _, _, _):
            return ValidationProblem(SourcePosition(file: file, line: 1, column: 1), "cannot read the file as UTF-8 YAML: \(problem)")
        default:
            return ValidationProblem(SourcePosition(file: file, line: 1, column: 1), "YAML error: \(error)")
        }
    }

    /// Yams' node as a YNode, or nil once `budget` runs out of nodes.
    static func convert(_ node: Node, file: String, budget: inout ExpansionBudget) -> YNode? {
        guard budget.spendNodes(1) else { return nil }
        let position = node.mark.map { SourcePosition(file: file, line: $0.line, column: $0.column) }
            ?? SourcePosition(file: file, line: 1, column: 1)
        switch node {
        case .scalar(let scalar):
            // Typing a scalar runs Yams' resolver regexes; the copies an alias makes share one
            // text, so each distinct (tag, style, text) is typed once (an alias bomb stopped at
            // the node limit then costs a second, not nine).
            let key = ScalarKey(text: scalar.string, tag: scalar.tag.rawValue, plain: scalar.style == .plain)
            if let typed = budget.typedScalars[key] { return .scalar(typed, position) }
            let typed = typedScalar(scalar.string, tag: Resolver.default.resolveTag(of: node), plain: key.plain)
            budget.typedScalars[key] = typed
            return .scalar(typed, position)
        case .sequence(let seq):
            var items: [YNode] = []
            for child in seq {
                guard let item = convert(child, file: file, budget: &budget) else { return nil }
                items.append(item)
            }
            return .list(items, position)
        case .mapping(let map):
            var entries: [YEntry] = []
            for pair in map {
                let keyPos = pair.key.mark.map { SourcePosition(file: file, line: $0.line, column: $0.column) } ?? position
                // A key that is not a scalar is named by its kind, not printed (it may be an alias bomb).
                guard budget.spendNodes(1), let value = convert(pair.value, file: file, budget: &budget) else { return nil }
                entries.append(YEntry(key: pair.key.string ?? "<\(keyKind(pair.key))>", keyPosition: keyPos, value: value))
            }
            return .map(entries, position)
        case .alias:
            return .scalar(.null, position)
        }
    }

    private static func keyKind(_ node: Node) -> String {
        switch node {
        case .scalar: return "scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// A scalar typed by YAML's core schema (quoted scalars are always strings).
    static func typedScalar(_ text: String, tag: Tag.Name, plain: Bool) -> ParamValue {
        guard plain else { return .string(text) }
        switch tag {
        case .null: return .null
        case .bool: return Bool.construct(from: Node.Scalar(text)).map(ParamValue.bool) ?? .string(text)
        case .int: return Int.construct(from: Node.Scalar(text)).map(ParamValue.int) ?? .string(text)
        case .float: return Double.construct(from: Node.Scalar(text)).map(ParamValue.double) ?? .string(text)
        default: return .string(text)
        }
    }

    // MARK: - Overrides

    /// Applies `path.to.key=value` overrides; the value is parsed as YAML (`20`, `pca`, `[1, 2]`).
    /// Every segment but the last must already exist; the last may add a key.
    static func applyOverrides(_ overrides: [String], to root: inout YNode, limits: LoaderLimits,
                               problems: inout [ValidationProblem]) {
        if let problem = limits.overridesProblem(count: overrides.count) {
            problems.append(ValidationProblem(SourcePosition(file: "--set", line: 0, column: 0), problem))
            return
        }
        for text in overrides {
            let position = SourcePosition(file: "--set \(text)", line: 0, column: 0)
            guard let eq = text.firstIndex(of: "=") else {
                problems.append(ValidationProblem(position, "an override is written key.path=value, e.g. --set stages.train.epochs=20"))
                continue
            }
            let path = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.isEmpty, !path.contains(where: \.isEmpty) else {
                problems.append(ValidationProblem(position, "the key path '\(text[..<eq])' has an empty segment"))
                continue
            }
            let valueText = String(text[text.index(after: eq)...])
            let value: YNode
            var budget = ExpansionBudget(limits: limits)
            if valueText.isEmpty {
                value = .scalar(.string(""), position)
            } else if case .success(let parsed) = parse(valueText, file: position.file, budget: &budget) {
                value = relocated(parsed, to: position)
            } else {
                value = .scalar(.string(valueText), position)
            }
            if let message = set(path[...], value, in: &root) {
                problems.append(ValidationProblem(position, message))
            }
        }
    }

    private static func relocated(_ node: YNode, to position: SourcePosition) -> YNode {
        switch node {
        case .scalar(let v, _): return .scalar(v, position)
        case .list(let items, _): return .list(items.map { relocated($0, to: position) }, position)
        case .map(let entries, _):
            return .map(entries.map { YEntry(key: $0.key, keyPosition: position, value: relocated($0.value, to: position)) }, position)
        }
    }

    /// Sets `value` at `path` under `node`; returns a message when the path does not lead anywhere.
    private static func set(_ path: ArraySlice<String>, _ value: YNode, in node: inout YNode, walked: String = "") -> String? {
        guard let head = path.first else { node = value; return nil }
        guard case .map(var entries, let position) = node else {
            return "'\(walked)' is \(node.typeName), not a mapping, so it has no key '\(head)'"
        }
        let here = walked.isEmpty ? head : "\(walked).\(head)"
        if let i = entries.firstIndex(where: { $0.key == head }) {
            var child = entries[i].value
            if let message = set(path.dropFirst(), value, in: &child, walked: here) { return message }
            entries[i].value = child
        } else if path.count == 1 {
            entries.append(YEntry(key: head, keyPosition: value.position, value: value))
        } else {
            let scope = walked.isEmpty ? "the file" : "'\(walked)'"
            return "\(scope) has no key '\(head)'\(didYouMean(head, among: entries.map(\.key)))"
        }
        node = .map(entries, position)
        return nil
    }
}
