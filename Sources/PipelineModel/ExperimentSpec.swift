// ExperimentSpec: an experiment file after parsing, interpolation, matrix expansion and
// validation — the resolved form the graph, planner and runner work on. Positions point back
// into the file so later problems can still say file:line:column.

/// A place in an experiment file (1-based line and column), or on the command line.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `experiments/x.yaml:12:5`, or `--set` for values given on the command line (line 0).
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One resolved stage instance.
public struct StageSpec: Sendable, Hashable {
    public let id: StageID
    public let kind: String
    /// Stages this one reads outputs from, resolved to instances.
    public let needs: [StageID]
    /// Parameters after interpolation, `--set` overrides and schema defaults.
    public let params: [String: ParamValue]
    /// Input files named by path parameters, as written (relative to the experiment file's folder
    /// unless absolute), hashed into the stage's key.
    public let inputFiles: [String]
    /// Where the stage is declared.
    public let position: SourcePosition
    /// The ancestor feeding each input port of the stage's kind (port name → stage), as wired by
    /// the loader (InputWiring); empty for kinds that declare no inputs.
    public let inputs: [String: StageID]
    /// What the stage asks of the machine (`resources:` with its kind's defaults filled in:
    /// cpus, memory, time, gres). Not part of the key: it never changes the stage's bytes.
    public let resources: [String: ParamValue]

    public init(id: StageID, kind: String, needs: [StageID], params: [String: ParamValue],
                inputFiles: [String], position: SourcePosition, inputs: [String: StageID] = [:],
                resources: [String: ParamValue] = [:]) {
        self.resources = resources
        self.id = id
        self.kind = kind
        self.needs = needs
        self.params = params
        self.inputFiles = inputFiles
        self.position = position
        self.inputs = inputs
    }

    /// The stages whose outputs the stage reads (and whose outputs are part of its key): its
    /// `needs`, then the farther ancestors that feed one of its inputs, sorted.
    public var inputStages: [StageID] {
        let extra = Set(inputs.values).subtracting(needs)
        return extra.isEmpty ? needs : needs + extra.sorted()
    }
}

/// A resolved experiment: its stage instances in file order (expanded instances in matrix order).
public struct ExperimentSpec: Sendable, Hashable {
    public let name: String
    /// Path of the experiment file as given.
    public let path: String
    /// The absolute folder of the experiment file: relative input paths resolve against it.
    public let directory: String
    /// SHA-256 (hex) of the file's bytes.
    public let sha256: String
    public let seed: Int
    public let vars: [String: ParamValue]
    /// Matrix variables in declaration order with their values.
    public let matrix: [(variable: String, values: [String])]
    public let stages: [StageSpec]
    /// The `report:` block as written (title and the like).
    public let report: [String: ParamValue]
    /// The `executor:` block resolved (kind, Slurm partition, account, QoS, sbatch arguments).
    public let executor: [String: ParamValue]

    public init(name: String, path: String, directory: String = ".", sha256: String, seed: Int, vars: [String: ParamValue],
                matrix: [(variable: String, values: [String])], stages: [StageSpec], report: [String: ParamValue],
                executor: [String: ParamValue] = [:]) {
        self.executor = executor
        self.name = name
        self.path = path
        self.directory = directory
        self.sha256 = sha256
        self.seed = seed
        self.vars = vars
        self.matrix = matrix
        self.stages = stages
        self.report = report
    }

    /// The stage instance with this id.
    public func stage(_ id: StageID) -> StageSpec? { stages.first { $0.id == id } }

    /// Where a path written in the experiment lies: absolute paths as they are, relative ones
    /// under the experiment file's folder (as DVC resolves paths against dvc.yaml's folder).
    public func resolvedPath(_ path: String) -> String {
        ExperimentSpec.resolve(path, in: directory)
    }

    /// `path` resolved against `directory` (absolute paths unchanged; `./` and `a/../` folded).
    public static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        var parts = directory.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for piece in path.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "." { continue }
            if piece == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if piece == "..", parts.isEmpty, directory.hasPrefix("/") { continue }  // above the root is the root
            parts.append(String(piece))
        }
        return (directory.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    public static func == (a: ExperimentSpec, b: ExperimentSpec) -> Bool {
        a.name == b.name && a.path == b.path && a.directory == b.directory && a.sha256 == b.sha256 && a.seed == b.seed && a.vars == b.vars
            && a.matrix.map(\.variable) == b.matrix.map(\.variable) && a.matrix.map(\.values) == b.matrix.map(\.values)
            && a.stages == b.stages && a.report == b.report && a.executor == b.executor
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(sha256)
        hasher.combine(stages)
    }

    /// The resolved experiment as one value (for the manifest): name, seed, vars, matrix, and the
    /// `report:` block when there is one (the report takes its title from there).
    public var resolvedParams: ParamValue {
        var fields: [String: ParamValue] = [
            "name": .string(name),
            "seed": .int(seed),
            "vars": .object(vars),
            "matrix": .object(Dictionary(uniqueKeysWithValues: matrix.map { ($0.variable, .list($0.values.map(ParamValue.string))) })),
        ]
        if !report.isEmpty { fields["report"] = .object(report) }
        return .object(fields)
    }
}
