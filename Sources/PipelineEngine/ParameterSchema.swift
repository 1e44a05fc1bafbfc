// ParameterSchema: the untyped form of a kind's parameter declaration — names, types, ranges,
// defaults, one-line docs — read from its `@Param` struct (ParameterDeclaration.swift). Validation
// checks a stage against it and fills defaults; Docs/ExperimentFile.md is generated from it.
public import PipelineModel

/// The type of a parameter value.
public indirect enum ParameterType: Sendable {
    case string
    case bool
    /// An integer within optional bounds.
    case integer(min: Int? = nil, max: Int? = nil)
    /// A number (integers accepted and stored as numbers) within optional bounds.
    case number(min: Double? = nil, max: Double? = nil, exclusive: Bool = false)
    /// One of fixed words.
    case choice([String])
    /// A path to an existing input file; its content hash enters the stage's key.
    case inputFile
    /// A list whose elements all have one type.
    case list(ParameterType, minCount: Int = 0)
    /// A mapping with declared fields (unknown keys are errors).
    case object([Parameter])
    /// The first alternative that fits.
    case oneOf([ParameterType])
    /// Anything (validated by the stage itself).
    case any
    /// A value of the inner type that a stage-supplied check also accepts (the check returns
    /// a problem message or nil); `summary` describes it for docs and messages.
    case checked(ParameterType, summary: String, check: @Sendable (ParamValue) -> String?)

    /// The type as Docs/ExperimentFile.md and error messages write it.
    public var summary: String {
        switch self {
        case .string: return "string"
        case .bool: return "true | false"
        case .integer(let lo, let hi): return "integer" + ParameterType.bounds(lo.map(Double.init), hi.map(Double.init), exclusive: false)
        case .number(let lo, let hi, let exclusive): return "number" + ParameterType.bounds(lo, hi, exclusive: exclusive)
        case .choice(let words): return words.joined(separator: " | ")
        case .inputFile: return "file path"
        case .list(let element, let minCount): return "list of \(element.summary)" + (minCount > 0 ? " (at least \(minCount))" : "")
        case .object(let fields): return "a mapping with keys " + fields.map(\.name).joined(separator: ", ")
        case .oneOf(let types): return types.map(\.summary).joined(separator: ", or ")
        case .any: return "any value"
        case .checked(_, let summary, _): return summary
        }
    }

    private static func bounds(_ lo: Double?, _ hi: Double?, exclusive: Bool) -> String {
        let l = lo.map(ParamValue.format), h = hi.map(ParamValue.format)
        switch (l, h) {
        case let (l?, h?): return exclusive ? " in (\(l), \(h))" : " in [\(l), \(h)]"
        case let (l?, nil): return exclusive ? " > \(l)" : " ≥ \(l)"
        case let (nil, h?): return exclusive ? " < \(h)" : " ≤ \(h)"
        default: return ""
        }
    }
}

/// One declared parameter.
public struct Parameter: Sendable {
    public let name: String
    public let type: ParameterType
    public let required: Bool
    /// Filled in when the parameter is absent (so it is part of the key, and a changed default shows).
    public let defaultValue: ParamValue?
    /// One line for the documentation.
    public let summary: String

    public init(_ name: String, _ type: ParameterType, required: Bool = false, default defaultValue: ParamValue? = nil,
                _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

// MARK: - Checking values

/// Checks YAML values against parameter declarations, collecting problems and input files.
struct SchemaChecker {
    var problems: [ValidationProblem] = []
    var inputFiles: [String] = []
    /// Resolves a relative path for the existence check.
    let resolvePath: (String) -> String
    /// Why the resolved path cannot be an input file ("does not exist", "is a FIFO…"), or nil when it can.
    let fileProblem: (String) -> String?

    /// Checks `entries` against `parameters` and returns the values with defaults filled in.
    mutating func check(entries: [YEntry], against parameters: [Parameter], scope: String,
                        position: SourcePosition) -> [String: ParamValue] {
        var out: [String: ParamValue] = [:]
        let declared = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in entries {
            guard let parameter = declared[entry.key] else {
                problems.append(ValidationProblem(entry.keyPosition,
                    "unknown key '\(entry.key)' in \(scope)\(didYouMean(entry.key, among: parameters.map(\.name)))"))
                continue
            }
            if let value = check(entry.value, parameter.type, what: "\(scope): '\(entry.key)'") {
                out[entry.key] = value
            }
        }
        for parameter in parameters where out[parameter.name] == nil && !entries.contains(where: { $0.key == parameter.name }) {
            if let d = parameter.defaultValue {
                out[parameter.name] = SchemaChecker.withNestedDefaults(d, parameter.type)
            } else if parameter.required {
                problems.append(ValidationProblem(position, "\(scope) is missing required key '\(parameter.name)' (\(parameter.type.summary))"))
            }
        }
        return out
    }

    /// A default mapping completed with its fields' own defaults, so `x: {}` and no `x` give one key.
    static func withNestedDefaults(_ value: ParamValue, _ type: ParameterType) -> ParamValue {
        guard case .object(let fields) = type, case .object(var given) = value else { return value }
        for field in fields {
            if let v = given[field.name] {
                given[field.name] = withNestedDefaults(v, field.type)
            } else if let d = field.defaultValue {
                given[field.name] = withNestedDefaults(d, field.type)
            }
        }
        return .object(given)
    }

    /// The checked value, or nil after recording a problem.
    mutating func check(_ node: YNode, _ type: ParameterType, what: String) -> ParamValue? {
        if case .oneOf(let types) = type {
            for alternative in types {
                var trial = self
                trial.problems = []
                trial.inputFiles = []
                if let v = trial.check(node, alternative, what: what), trial.problems.isEmpty {
                    inputFiles += trial.inputFiles
                    return v
                }
            }
            // Report the alternative whose shape matches the value (a mapping for an object type,
            // a list for a list type), so the message names the real problem inside it.
            func shape(_ t: ParameterType) -> ParameterType {
                if case .checked(let inner, _, _) = t { return shape(inner) }
                return t
            }
            // A string that is none of the words but could be a path: the file problem is the real one.
            if case .scalar(.string, _) = node, types.contains(where: { if case .inputFile = shape($0) { return true } else { return false } }) {
                return check(node, .inputFile, what: what)
            }
            if let preferred = types.first(where: { alt in
                switch (shape(alt), node) {
                case (.object, .map), (.list, .list): return true
                default: return false
                }
            }) {
                return check(node, preferred, what: what)
            }
            fail(node, "\(what) must be \(type.summary); found \(describe(node))")
            return nil
        }
        if case .checked(let inner, _, let validate) = type {
            guard let value = check(node, inner, what: what) else { return nil }
            if let message = validate(value) { fail(node, "\(what): \(message)"); return nil }
            return value
        }
        switch (type, node) {
        case (.any, _):
            return node.value
        case (.string, .scalar(.string(let s), _)):
            return .string(s)
        case (.bool, .scalar(.bool(let b), _)):
            return .bool(b)
        case (.integer(let lo, let hi), .scalar(let v, _)):
            guard case .int(let i) = v else {
                fail(node, "\(what) must be an integer\(boundsText(type)); found \(describe(node))"); return nil
            }
            if let lo, i < lo { fail(node, "\(what) must be ≥ \(lo); found \(i)"); return nil }
            if let hi, i > hi { fail(node, "\(what) must be ≤ \(hi); found \(i)"); return nil }
            return .int(i)
        case (.number(let lo, let hi, let exclusive), .scalar(let v, _)):
            guard let d = v.number else {
                fail(node, "\(what) must be a number\(boundsText(type)); found \(describe(node))"); return nil
            }
            if let lo, exclusive ? d <= lo : d < lo { fail(node, "\(what) must be \(exclusive ? ">" : "≥") \(ParamValue.format(lo)); found \(ParamValue.format(d))"); return nil }
            if let hi, exclusive ? d >= hi : d > hi { fail(node, "\(what) must be \(exclusive ? "<" : "≤") \(ParamValue.format(hi)); found \(ParamValue.format(d))"); return nil }
            return .double(d)
        case (.choice(let words), .scalar(let v, _)):
            let text = v.displayText
            guard case .string = v, words.contains(text) else {
                fail(node, "\(what) must be one of \(words.joined(separator: ", ")); found \(describe(node))\(didYouMean(text, among: words))")
                return nil
            }
            return .string(text)
        case (.inputFile, .scalar(.string(let path), _)):
            let resolved = resolvePath(path)
            if let reason = fileProblem(resolved) {
                fail(node, "\(what): input file \(path) \(reason)" + (resolved == path ? "" : " (looked for \(resolved))"))
                return nil
            }
            inputFiles.append(path)
            return .string(path)
        case (.list(let element, let minCount), .list(let items, _)):
            if items.count < minCount {
                fail(node, "\(what) needs at least \(minCount) element\(minCount == 1 ? "" : "s"); found \(items.count)")
                return nil
            }
            var out: [ParamValue] = []
            var ok = true
            for (i, item) in items.enumerated() {
                if let v = check(item, element, what: "\(what)[\(i)]") { out.append(v) } else { ok = false }
            }
            return ok ? .list(out) : nil
        case (.object(let fields), .map(let entries, let position)):
            let before = problems.count
            let value = check(entries: entries, against: fields, scope: what, position: position)
            return problems.count == before ? .object(value) : nil
        default:
            fail(node, "\(what) must be \(type.summary); found \(describe(node))")
            return nil
        }
    }

    private mutating func fail(_ node: YNode, _ message: String) {
        problems.append(ValidationProblem(node.position, message))
    }

    private func boundsText(_ type: ParameterType) -> String {
        let s = type.summary
        return s.hasPrefix("integer") ? String(s.dropFirst("integer".count)) : s.hasPrefix("number") ? String(s.dropFirst("number".count)) : ""
    }

    private func describe(_ node: YNode) -> String {
        switch node {
        case .scalar(.string(let s), _): return "'\(s)'"
        case .scalar(.null, _): return "nothing (null)"
        case .scalar(let v, _): return "\(v.typeName) \(v.displayText)"
        default: return node.typeName
        }
    }
}
