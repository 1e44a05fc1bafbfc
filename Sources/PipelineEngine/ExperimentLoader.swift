// ExperimentLoader: experiment file → ExperimentSpec. Parses YAML with positions, applies
// `--set` overrides, interpolates `${vars}`, expands the matrix (a stage mentioning a matrix
// variable runs once per value, its dependents follow), and checks everything against the
// registry's schemas and every stage's inputs against its ancestors' outputs (InputWiring) —
// collecting every problem before failing. Relative paths resolve against the experiment
// file's folder.
public import Foundation
public import PipelineModel

/// Reads and validates experiment files.
public struct ExperimentLoader: Sendable {
    public let registry: StageRegistry
    /// A relative experiment path is taken from this directory (the working directory by default);
    /// relative input paths inside the experiment resolve against the experiment file's folder.
    public let baseDirectory: URL
    /// Bounds on what a file may expand to (nodes, matrix instances, string lengths, `--set` count).
    public var limits: LoaderLimits

    static let topLevelKeys = ["name", "description", "seed", "vars", "matrix", "stages", "report", "executor"]
    static let stageKeys = ["kind", "needs", "resources"]

    public init(registry: StageRegistry, baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                limits: LoaderLimits = .standard) {
        self.registry = registry
        self.baseDirectory = baseDirectory
        self.limits = limits
    }

    /// Reads `path` (relative to `baseDirectory`) and resolves it; throws `EngineError.invalidExperiment`
    /// listing every problem.
    public func load(path: String, overrides: [String] = []) throws(EngineError) -> ExperimentSpec {
        let data: Data
        let location = ExperimentSpec.resolve(path, in: baseDirectory.standardizedFileURL.path)
        if FileManager.default.fileExists(atPath: location), let problem = InputFile.problem(at: location) {
            throw .unreadableFile(path: path, reason: problem)
        }
        do { data = try Data(contentsOf: URL(fileURLWithPath: location)) } catch {
            throw .unreadableFile(path: path, reason: FileManager.default.fileExists(atPath: location)
                                  ? error.localizedDescription : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidExperiment(path: path, problems: [ValidationProblem(SourcePosition(file: path, line: 1, column: 1),
                                                                              "the file is not UTF-8 text")])
        }
        return try load(text: text, path: path, sha256: sha256Hex(data), overrides: overrides)
    }

    /// Resolves experiment text as if read from `path`.
    public func load(text: String, path: String, sha256: String? = nil, overrides: [String] = []) throws(EngineError) -> ExperimentSpec {
        var resolver = Resolution(loader: self, path: path)
        let spec = resolver.resolve(text: text, sha256: sha256 ?? sha256Hex(text), overrides: overrides)
        var seen = Set<ValidationProblem>()
        // Unique problems in file order (command-line overrides, line 0, first); ties keep discovery order.
        let problems = resolver.problems.filter { seen.insert($0).inserted }.enumerated().sorted { a, b in
            (a.element.position.line, a.element.position.column, a.offset) < (b.element.position.line, b.element.position.column, b.offset)
        }.map(\.element)
        if let spec, problems.isEmpty { return spec }
        throw .invalidExperiment(path: path, problems: problems.isEmpty
            ? [ValidationProblem(SourcePosition(file: path, line: 1, column: 1), "the experiment could not be resolved")]
            : problems)
    }

    /// The stage ids `path` declares after matrix expansion, even when the file has other problems
    /// (missing input files, unknown keys); empty when it cannot be read or parsed. For shell completion.
    public func declaredStageIDs(path: String, overrides: [String] = []) -> [StageID] {
        let location = ExperimentSpec.resolve(path, in: baseDirectory.standardizedFileURL.path)
        guard InputFile.problem(at: location) == nil, let data = FileManager.default.contents(atPath: location), let text = String(data: data, encoding: .utf8) else { return [] }
        var resolver = Resolution(loader: self, path: path)
        return resolver.resolve(text: text, sha256: sha256Hex(data), overrides: overrides)?.stages.map(\.id) ?? []
    }

    /// The absolute folder of the experiment file at `path`.
    public func directory(ofExperiment path: String) -> String {
        let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        return ExperimentSpec.resolve(folder.isEmpty ? "/" : folder, in: baseDirectory.standardizedFileURL.path)
    }
}

/// A stage as declared, before expansion.
private struct StageDeclaration {
    let name: String
    let position: SourcePosition
    let kind: String?
    /// Stages it needs; `pinned` holds the matrix assignments of a need written as one instance (`train[bands=pca]`).
    let needs: [(name: String, pinned: [StageID.Assignment], position: SourcePosition)]
    /// Where `needs:` is written (the stage's key when it has none).
    let needsPosition: SourcePosition
    let params: [YEntry]
    let paramsPosition: SourcePosition
    /// The `resources:` mapping as written, if any.
    let resources: YNode?
}

/// The state of resolving one file.
private struct Resolution {
    let loader: ExperimentLoader
    let path: String
    /// The experiment file's folder, which relative paths resolve against.
    let directory: String
    var problems: [ValidationProblem] = []
    /// Nodes and interpolated text built so far, against the loader's limits.
    var budget: ExpansionBudget

    init(loader: ExperimentLoader, path: String) {
        self.loader = loader
        self.budget = ExpansionBudget(limits: loader.limits)
        self.path = path
        self.directory = loader.directory(ofExperiment: path)
    }

    var top: SourcePosition { SourcePosition(file: path, line: 1, column: 1) }

    mutating func problem(_ position: SourcePosition, _ message: String) {
        problems.append(ValidationProblem(position, message))
    }

    mutating func resolve(text: String, sha256: String, overrides: [String]) -> ExperimentSpec? {
        var root: YNode
        switch YAMLTree.parse(text, file: path, budget: &budget) {
        case .failure(let p): problems.append(p); return nil
        case .success(let node): root = node
        }
        YAMLTree.applyOverrides(overrides, to: &root, limits: loader.limits, problems: &problems)
        if overrides.count > loader.limits.overrides { return nil }
        guard case .map(let entries, let rootPosition) = root else {
            problem(root.position, "the top level must be a mapping with name:, stages: and optionally seed:, vars:, matrix:, report:")
            return nil
        }
        for e in entries where !ExperimentLoader.topLevelKeys.contains(e.key) {
            problem(e.keyPosition, "unknown top-level key '\(e.key)'\(didYouMean(e.key, among: ExperimentLoader.topLevelKeys))")
        }

        // name
        var name = ""
        if let node = root["name"] {
            if case .scalar(.string(let s), _) = node, !s.isEmpty {
                if s.count > loader.limits.nameLength {
                    problem(node.position, "name is \(s.count) characters long; it names the results folder, so it may have at most \(loader.limits.nameLength) \(LoaderLimits.named("name length", loader.limits.nameLength))")
                } else if s.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) && !s.hasPrefix(".") {
                    name = s
                } else {
                    problem(node.position, "name '\(s)' names the results folder, so it may hold only letters, digits, '-', '_' and '.'")
                }
            } else {
                problem(node.position, "name must be a non-empty string; found \(node.typeName)")
            }
        } else {
            problem(rootPosition, "missing top-level key 'name' (it names the results folder: results/<name>/)")
        }

        // seed
        var seed = 0
        if let node = root["seed"] {
            if case .scalar(.int(let s), _) = node, s >= 0 { seed = s } else {
                problem(node.position, "seed must be an integer ≥ 0; found \(describe(node))")
            }
        }

        // vars (each may use the ones declared before it)
        var vars: [String: ParamValue] = [:]
        if let node = root["vars"] {
            if case .map(let varEntries, _) = node {
                for e in varEntries {
                    if e.key.count > loader.limits.nameLength {
                        problem(e.keyPosition, "variable name is \(e.key.count) characters long; at most \(loader.limits.nameLength) \(LoaderLimits.named("name length", loader.limits.nameLength))")
                        continue
                    }
                    if !isIdentifier(e.key) {
                        problem(e.keyPosition, "variable name '\(e.key)' may hold only letters, digits, '_' and '-'")
                        continue
                    }
                    var scope = vars
                    scope["seed"] = scope["seed"] ?? .int(seed)
                    vars[e.key] = interpolate(e.value, scope).value
                    if let exceeded = budget.exceeded { problem(e.value.position, "vars.\(e.key): \(exceeded)"); return nil }
                }
            } else {
                problem(node.position, "vars must be a mapping of names to values; found \(node.typeName)")
            }
        }

        // matrix
        var matrix: [(variable: String, values: [ParamValue])] = []
        if let node = root["matrix"] {
            if case .map(let matrixEntries, _) = node {
                for e in matrixEntries {
                    if vars[e.key] != nil {
                        problem(e.keyPosition, "'\(e.key)' is both a var and a matrix variable; rename one")
                        continue
                    }
                    guard isIdentifier(e.key) else {
                        problem(e.keyPosition, "matrix variable name '\(e.key)' may hold only letters, digits, '_' and '-'"); continue
                    }
                    guard e.key.count <= loader.limits.nameLength else {
                        problem(e.keyPosition, "matrix variable name is \(e.key.count) characters long; at most \(loader.limits.nameLength) \(LoaderLimits.named("name length", loader.limits.nameLength))"); continue
                    }
                    guard case .list(let items, let listPosition) = e.value, !items.isEmpty else {
                        problem(e.value.position, "matrix variable '\(e.key)' needs a non-empty list of values, e.g. \(e.key): [a, b]")
                        continue
                    }
                    var values: [ParamValue] = []
                    for item in items {
                        guard case .scalar(let v, _) = item, v != .null else {
                            problem(item.position, "matrix values must be plain scalars (words or numbers); found \(item.typeName)")
                            continue
                        }
                        let text = v.displayText
                        if text.count > loader.limits.nameLength {
                            problem(item.position, "matrix value is \(text.count) characters long (it becomes part of stage ids); at most \(loader.limits.nameLength) \(LoaderLimits.named("name length", loader.limits.nameLength))")
                            continue
                        }
                        if text.contains(where: { "[],=".contains($0) }) {
                            problem(item.position, "matrix value '\(text)' may not contain '[', ']', ',' or '=' (it becomes part of stage ids)")
                            continue
                        }
                        if values.contains(where: { $0.displayText == text }) {
                            problem(item.position, "matrix variable '\(e.key)' lists '\(text)' twice")
                            continue
                        }
                        values.append(v)
                    }
                    if !values.isEmpty { matrix.append((e.key, values)) } else if problems.isEmpty {
                        problem(listPosition, "matrix variable '\(e.key)' has no usable values")
                    }
                }
            } else {
                problem(node.position, "matrix must be a mapping of variable names to lists; found \(node.typeName)")
            }
        }

        // report
        var report: [String: ParamValue] = [:]
        if let node = root["report"] {
            if case .map = node, case .object(let o) = node.value { report = o } else {
                problem(node.position, "report must be a mapping (e.g. title: ...); found \(node.typeName)")
            }
        }

        // executor
        var executor: [String: ParamValue] = [:]
        if let node = root["executor"] {
            if case .map(let executorEntries, let p) = node {
                var checker = SchemaChecker(resolvePath: { $0 }, fileProblem: { _ in nil })
                executor = checker.check(entries: executorEntries.map { YEntry(key: $0.key, keyPosition: $0.keyPosition, value: interpolate($0.value, vars)) },
                                         against: ExecutorSettings.parameters, scope: "executor", position: p)
                problems += checker.problems
            } else {
                problem(node.position, "executor must be a mapping (e.g. kind: slurm, partition: debug); found \(node.typeName)")
            }
        }

        // stages
        guard let stagesNode = root["stages"] else {
            problem(rootPosition, "missing top-level key 'stages' (a mapping of stage ids to stages)")
            return nil
        }
        guard case .map(let stageEntries, let stagesPosition) = stagesNode, !stageEntries.isEmpty else {
            problem(stagesNode.position, "stages must be a non-empty mapping of stage ids to stages; found \(describe(stagesNode))")
            return nil
        }
        let declarations = declare(stageEntries)
        let names = Set(declarations.map(\.name))
        let byName = Dictionary(declarations.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for d in declarations {
            for need in d.needs where !names.contains(need.name) {
                problem(need.position, "stage \(d.name) needs '\(need.name)', which is not a stage in this file\(didYouMean(need.name, among: names.sorted()))")
            }
        }
        let order = topologicalNames(declarations, byName: byName, at: stagesPosition)

        // matrix variables per stage: those it mentions plus those of everything it needs
        // (less the ones a need pins to one instance, `needs: train[bands=pca]`)
        let matrixNames = matrix.map(\.variable)
        let matrixValues = Dictionary(matrix.map { ($0.variable, $0.values) }, uniquingKeysWith: { a, _ in a })
        var stageVars: [String: Set<String>] = [:]
        for n in order {
            guard let d = byName[n] else { continue }
            var set = Set(matrixNames.filter { v in mentions(d.params.map(\.value), variable: v) })
            for need in d.needs {
                let needVars = stageVars[need.name] ?? []
                for a in need.pinned {
                    let instance = "\(need.name)[\(need.pinned.map { "\($0.variable)=\($0.value)" }.joined(separator: ","))]"
                    if !needVars.contains(a.variable) {
                        problem(need.position, "stage \(d.name) needs \(instance), but \(need.name) is not expanded over '\(a.variable)'"
                                + (needVars.isEmpty ? "; need it as plain \(need.name)" : "; its matrix variables: \(needVars.sorted().joined(separator: ", "))"))
                    } else if !(matrixValues[a.variable] ?? []).contains(where: { $0.displayText == a.value }) {
                        let known = (matrixValues[a.variable] ?? []).map(\.displayText)
                        problem(need.position, "stage \(d.name) needs \(instance), but '\(a.value)' is not a value of matrix variable '\(a.variable)'\(didYouMean(a.value, among: known)); values: \(known.joined(separator: ", "))")
                    }
                }
                set.formUnion(needVars.subtracting(need.pinned.map(\.variable)))
            }
            stageVars[n] = set
        }

        // How many instances the matrix makes, counted (with overflow checks) before any is made.
        var instances = 0
        for d in declarations {
            var product = 1
            for v in matrixNames where (stageVars[d.name] ?? []).contains(v) {
                let (next, overflow) = product.multipliedReportingOverflow(by: matrixValues[v]?.count ?? 1)
                product = overflow ? Int.max : next
            }
            let (sum, overflow) = instances.addingReportingOverflow(product)
            instances = overflow ? Int.max : sum
        }
        if instances > loader.limits.matrixInstances {
            let shown = instances == Int.max ? "more than \(Int.max)" : "\(instances)"
            problem(root["matrix"]?.position ?? rootPosition, "the matrix expands the stages to \(shown) instances, more than \(loader.limits.matrixInstances) \(LoaderLimits.named("matrix instances", loader.limits.matrixInstances)); use fewer matrix values or split the experiment")
            return nil
        }

        // expand and check
        var specs: [StageSpec] = []
        var needsPositions: [StageID: SourcePosition] = [:]
        for d in declarations {
            let ownVars = matrixNames.filter { (stageVars[d.name] ?? []).contains($0) }
            for combination in combinations(ownVars, matrixValues) {
                let assignments = combination.map { StageID.Assignment(variable: $0.0, value: $0.1.displayText) }
                let id = StageID(name: d.name, matrix: assignments)
                var scope = vars
                if scope["seed"] == nil { scope["seed"] = .int(seed) }
                for (variable, value) in combination { scope[variable] = value }
                let interpolated = d.params.map { YEntry(key: $0.key, keyPosition: $0.keyPosition, value: interpolate($0.value, scope)) }
                if let exceeded = budget.exceeded { problem(d.position, "stage \(id): \(exceeded)"); return nil }
                var params: [String: ParamValue] = [:]
                var files: [String] = []
                var resources: [String: ParamValue] = [:]
                if let kindName = d.kind, let kind = loader.registry[kindName] {
                    // resources: checked against the declaration with the kind's defaults; not part of the key.
                    var resourceEntries: [YEntry] = []
                    var resourcesPosition = d.paramsPosition
                    if let node = d.resources {
                        if case .map(let entries, let p) = interpolate(node, scope) { resourceEntries = entries; resourcesPosition = p } else {
                            problem(node.position, "resources of stage \(d.name) must be a mapping (cpus, memory, time, gres); found \(node.typeName)")
                        }
                    }
                    var resourceChecker = SchemaChecker(resolvePath: { $0 }, fileProblem: { _ in nil })
                    resources = resourceChecker.check(entries: resourceEntries, against: StageResources.parameters(defaults: kind.resources),
                                                      scope: "resources of stage \(d.name)", position: resourcesPosition)
                    problems += resourceChecker.problems
                    let directory = self.directory
                    var checker = SchemaChecker(resolvePath: { ExperimentSpec.resolve($0, in: directory) },
                                                fileProblem: InputFile.problem(at:))
                    params = checker.check(entries: interpolated, against: kind.parameters, scope: "stage \(d.name)", position: d.paramsPosition)
                    problems += checker.problems
                    if checker.problems.isEmpty {
                        for message in kind.parameterProblems(params) { problem(d.paramsPosition, "stage \(id): \(message)") }
                    }
                    files = checker.inputFiles
                }
                let needs = d.needs.filter { names.contains($0.name) }.map { need in
                    let needVars = stageVars[need.name] ?? []
                    return StageID(name: need.name, matrix: matrixNames.filter { needVars.contains($0) }.compactMap { v in
                        need.pinned.first(where: { $0.variable == v }) ?? assignments.first(where: { $0.variable == v })
                    })
                }
                specs.append(StageSpec(id: id, kind: d.kind ?? "", needs: needs, params: params,
                                       inputFiles: files, position: d.position, resources: resources))
                needsPositions[id] = d.needsPosition
            }
        }
        specs = wire(specs, needsPositions: needsPositions)
        let experimentVars = vars
        return ExperimentSpec(name: name, path: path, directory: directory, sha256: sha256, seed: seed, vars: experimentVars,
                              matrix: matrix.map { ($0.variable, $0.values.map(\.displayText)) }, stages: specs, report: report,
                              executor: executor)
    }

    // MARK: - Wiring

    /// Wires every stage's inputs to its ancestors (InputWiring's rule), recording the sources in the
    /// specs and a problem for every required input no ancestor provides or two provide equally near.
    mutating func wire(_ specs: [StageSpec], needsPositions: [StageID: SourcePosition]) -> [StageSpec] {
        let byID = Dictionary(specs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let registry = loader.registry
        let needs: (StageID) -> [StageID] = { byID[$0]?.needs ?? [] }
        // Output types per kind, read once (a kind's `outputs` is computed).
        var kindOutputs: [String: [PortType]] = [:]
        for name in registry.names { kindOutputs[name] = registry[name]?.outputs.map(\.type) }
        let outputs: (StageID) -> [PortType]? = { id in byID[id].flatMap { kindOutputs[$0.kind] } }
        let publicKinds = registry.publicNames
        return specs.map { spec in
            guard let kind = registry[spec.kind], !kind.inputs.isEmpty else { return spec }
            var sources: [String: StageID] = [:]
            let wiring = InputWiring.resolve(spec.id, inputs: kind.inputs, needs: needs, outputs: outputs)
            // An ancestor of unknown kind is already reported; what it would provide is unknown.
            let unknownAncestor = wiring.contains { $0.resolution == .missing }
                && InputWiring.ancestorsByDistance(of: spec.id, needs: needs).joined().contains { outputs($0) == nil }
            for (port, resolution) in wiring {
                if case .provided(let source, _) = resolution { sources[port.name] = source; continue }
                if resolution == .missing && unknownAncestor { continue }
                let providers = publicKinds.filter { kindOutputs[$0]?.contains { port.accepts.contains($0) } ?? false }
                if let message = InputWiring.problem(spec.id, port, resolution, providers: providers,
                                                     available: { InputWiring.available(to: spec.id, needs: needs, outputs: outputs) }) {
                    problem(needsPositions[spec.id] ?? spec.position, message)
                }
            }
            return StageSpec(id: spec.id, kind: spec.kind, needs: spec.needs, params: spec.params, inputFiles: spec.inputFiles,
                             position: spec.position, inputs: sources, resources: spec.resources)
        }
    }

    // MARK: - Stages

    mutating func declare(_ entries: [YEntry]) -> [StageDeclaration] {
        var out: [StageDeclaration] = []
        // Did-you-mean looks at every registered kind; the "known kinds" list names only public ones.
        let kindNames = loader.registry.names
        let publicKindNames = loader.registry.publicNames
        for e in entries {
            if e.key.count > loader.limits.nameLength {
                problem(e.keyPosition, "stage id is \(e.key.count) characters long (it names folders and files); at most \(loader.limits.nameLength) \(LoaderLimits.named("name length", loader.limits.nameLength))")
                continue
            } else if !isIdentifier(e.key) {
                problem(e.keyPosition, "stage id '\(e.key)' may hold only letters, digits, '_' and '-'")
            }
            guard case .map(let fields, let position) = e.value else {
                problem(e.value.position, "stage \(e.key) must be a mapping with at least `kind:`; found \(describe(e.value))")
                continue
            }
            var kind: String?
            if let node = e.value["kind"] {
                if case .scalar(.string(let k), _) = node {
                    if loader.registry[k] != nil { kind = k } else {
                        problem(node.position, "stage \(e.key) has unknown kind '\(k)'\(didYouMean(k, among: kindNames)); known kinds: \(publicKindNames.joined(separator: ", "))")
                    }
                } else {
                    problem(node.position, "kind of stage \(e.key) must be a string; found \(describe(node))")
                }
            } else {
                problem(e.keyPosition, "stage \(e.key) has no `kind:`; known kinds: \(publicKindNames.joined(separator: ", "))")
            }
            var needs: [(String, [StageID.Assignment], SourcePosition)] = []
            func need(_ text: String, _ p: SourcePosition) {
                guard text.contains("[") || text.contains("]") else { needs.append((text, [], p)); return }
                guard let id = StageID(parsing: text), !id.matrix.isEmpty else {
                    problem(p, "needs of stage \(e.key): '\(text)' is not a stage id like train or train[bands=pca]")
                    return
                }
                needs.append((id.name, id.matrix, p))
            }
            if let node = e.value["needs"] {
                switch node {
                case .scalar(.string(let s), let p): need(s, p)
                case .list(let items, _):
                    for item in items {
                        if case .scalar(.string(let s), let p) = item { need(s, p) } else {
                            problem(item.position, "needs of stage \(e.key) must list stage ids; found \(describe(item))")
                        }
                    }
                default:
                    problem(node.position, "needs of stage \(e.key) must be a stage id or a list of them; found \(describe(node))")
                }
            }
            for (n, _, p) in needs where n == e.key {
                problem(p, "stage \(e.key) needs itself")
            }
            needs.removeAll { $0.0 == e.key }
            let needsPosition = fields.first { $0.key == "needs" }?.keyPosition ?? e.keyPosition
            out.append(StageDeclaration(name: e.key, position: e.keyPosition, kind: kind, needs: needs, needsPosition: needsPosition,
                                        params: fields.filter { !ExperimentLoader.stageKeys.contains($0.key) },
                                        paramsPosition: position, resources: e.value["resources"]))
        }
        return out
    }

    /// Stage names in dependency order; each cycle is reported once, printed in full.
    mutating func topologicalNames(_ declarations: [StageDeclaration], byName: [String: StageDeclaration],
                                   at position: SourcePosition) -> [String] {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var order: [String] = []
        var stack: [String] = []
        var reported = Set<String>()
        func visit(_ n: String, _ r: inout Resolution) {
            if state[n] == 2 { return }
            if state[n] == 1 {
                guard let start = stack.firstIndex(of: n) else { return }
                let cycle = Array(stack[start...])
                let rotation = cycle.firstIndex(of: cycle.min() ?? n) ?? 0
                let canonical = Array(cycle[rotation...] + cycle[..<rotation])
                if reported.insert(canonical.joined(separator: ">")).inserted {
                    let at = byName[canonical[0]]?.position ?? position
                    r.problem(at, "cycle in needs: \((canonical + [canonical[0]]).joined(separator: " → ")); a stage cannot depend on itself")
                }
                return
            }
            state[n] = 1
            stack.append(n)
            for need in byName[n]?.needs ?? [] where byName[need.name] != nil { visit(need.name, &r) }
            stack.removeLast()
            state[n] = 2
            order.append(n)
        }
        for d in declarations { visit(d.name, &self) }
        return order
    }

    // MARK: - Interpolation

    /// Replaces `${name}` in strings; a string that is exactly one `${name}` takes the value's type.
    /// Every node built counts against the budget; once it is spent, the rest is left as is (the
    /// caller reports `budget.exceeded`).
    mutating func interpolate(_ node: YNode, _ scope: [String: ParamValue]) -> YNode {
        guard budget.spendNodes(1) else { return node }
        switch node {
        case .scalar(.string(let s), let position) where s.contains("${"):
            return interpolateString(s, at: position, scope)
        case .scalar: return node
        case .list(let items, let p):
            var out: [YNode] = []
            for item in items {
                guard budget.exceeded == nil else { break }
                out.append(interpolate(item, scope))
            }
            return .list(out, p)
        case .map(let entries, let p):
            var out: [YEntry] = []
            for e in entries {
                guard budget.exceeded == nil else { break }
                out.append(YEntry(key: e.key, keyPosition: e.keyPosition, value: interpolate(e.value, scope)))
            }
            return .map(out, p)
        }
    }

    private mutating func interpolateString(_ s: String, at position: SourcePosition, _ scope: [String: ParamValue]) -> YNode {
        var out = ""
        var rest = Substring(s)
        var pieces: [String] = []
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                problem(position, "unterminated '${' in '\(s)'; write ${name}")
                return .scalar(.string(s), position)
            }
            let name = String(rest[open.upperBound..<close])
            pieces.append(name)
            if let value = scope[name] {
                if s == "${\(name)}" {
                    // A whole value copied in: its nodes count again (a var made of two copies of
                    // the previous one doubles at every line).
                    guard spend(value) else { return .scalar(.null, position) }
                    return node(from: value, at: position)
                }
                guard spend(value) else { return .scalar(.null, position) }
                let text = value.displayText
                if out.utf8.count + text.utf8.count > budget.limits.stringBytes {
                    _ = budget.spendString(out.utf8.count + text.utf8.count)  // records which limit was passed
                    return .scalar(.null, position)
                }
                out += text
            } else {
                problem(position, "unknown variable '${\(name)}'\(didYouMean(name, among: scope.keys.sorted()))"
                        + (scope.isEmpty ? "; declare it under vars:" : "; known: \(scope.keys.sorted().joined(separator: ", "))"))
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        guard budget.spendString(out.utf8.count) else { return .scalar(.null, position) }
        return .scalar(.string(out), position)
    }

    /// Counts the nodes of `value` against the budget, stopping as soon as it is spent (so a
    /// value that would be huge costs no more than the limit to count).
    private mutating func spend(_ value: ParamValue) -> Bool {
        guard budget.spendNodes(1) else { return false }
        switch value {
        case .list(let items):
            for item in items where !spend(item) { return false }
        case .object(let fields):
            for item in fields.values where !spend(item) { return false }
        default: break
        }
        return true
    }

    private func node(from value: ParamValue, at position: SourcePosition) -> YNode {
        switch value {
        case .list(let items): return .list(items.map { node(from: $0, at: position) }, position)
        case .object(let fields):
            return .map(fields.keys.sorted().map { YEntry(key: $0, keyPosition: position, value: node(from: fields[$0] ?? .null, at: position)) }, position)
        default: return .scalar(value, position)
        }
    }

    private func mentions(_ nodes: [YNode], variable: String) -> Bool {
        let token = "${\(variable)}"
        for n in nodes {
            switch n {
            case .scalar(.string(let s), _) where s.contains(token): return true
            case .list(let items, _): if mentions(items, variable: variable) { return true }
            case .map(let entries, _): if mentions(entries.map(\.value), variable: variable) { return true }
            default: continue
            }
        }
        return false
    }

    private func combinations(_ variables: [String], _ values: [String: [ParamValue]]) -> [[(String, ParamValue)]] {
        var out: [[(String, ParamValue)]] = [[]]
        for v in variables {
            var next: [[(String, ParamValue)]] = []
            for prefix in out { for value in values[v] ?? [] { next.append(prefix + [(v, value)]) } }
            out = next
        }
        return out
    }

    private func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    private func describe(_ node: YNode) -> String {
        switch node {
        case .scalar(.string(let s), _): return "'\(s)'"
        case .scalar(.null, _): return "nothing"
        case .scalar(let v, _): return "\(v.typeName) \(v.displayText)"
        default: return node.typeName
        }
    }
}
