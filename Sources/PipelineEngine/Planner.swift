// Planner: the pure decision of what a run would do. For every stage instance, in dependency
// order: excluded (not selected), reuse (its key has a cached record whose outputs are present),
// or run with a human-readable reason. Cheap things first: definition, inputs, then outputs.
public import PipelineModel

/// What a run would do with each stage, and why.
public struct Plan: Sendable {
    /// The decision for one stage instance.
    public enum Action: String, Sendable, Codable {
        case reuse, run, excluded
    }

    /// One stage's decision.
    public struct Step: Sendable {
        public let id: StageID
        public let kind: String
        public let action: Action
        public let reason: String
        /// The key when it is known before running (all inputs cached); nil when an upstream stage runs first.
        public let key: String?
        /// The cached record a reuse restores.
        public let record: StageRecord?
        /// Whether `--force` named this stage.
        public let forced: Bool
    }

    public let steps: [Step]

    /// The step of a stage.
    public func step(_ id: StageID) -> Step? { steps.first { $0.id == id } }

    public var runCount: Int { steps.filter { $0.action == .run }.count }
    public var reuseCount: Int { steps.filter { $0.action == .reuse }.count }
}

/// Options that shape a plan.
public struct PlanOptions: Sendable {
    /// Stages to rerun even when cached.
    public var force: Set<StageID>
    /// When set, only these stages (already closed over what they need) are considered.
    public var only: Set<StageID>?

    public init(force: Set<StageID> = [], only: Set<StageID>? = nil) {
        self.force = force
        self.only = only
    }
}

/// Computes plans. Pure: reads the graph, the input hashes, the store's records and the previous manifest.
public struct Planner: Sendable {
    public let registry: StageRegistry

    public init(registry: StageRegistry) { self.registry = registry }

    /// The plan for `spec` against `store`.
    public func plan(_ spec: ExperimentSpec, graph: PipelineGraph, files: [String: FileHash],
                     store: any ArtifactStore, previous: Manifest?, options: PlanOptions = PlanOptions()) -> Plan {
        var steps: [StageID: Plan.Step] = [:]
        var ordered: [Plan.Step] = []
        ordered.reserveCapacity(graph.order.count)
        let previousSeed = previous?.experiment.params["seed"]?.int
        var previousStages: [String: Manifest.StageEntry] = [:]
        for e in previous?.stages ?? [] { previousStages[e.id] = e }
        for id in graph.order {
            guard let stage = graph.stage(id) else { continue }
            let version = registry[stage.kind]?.version ?? 0
            let forced = options.force.contains(id)
            if let only = options.only, !only.contains(id) {
                let step = Plan.Step(id: id, kind: stage.kind, action: .excluded, reason: "not selected by --only",
                                     key: nil, record: nil, forced: false)
                steps[id] = step
                ordered.append(step)
                continue
            }
            // Inputs: upstream outputs are known only for upstream stages that are reused.
            var upstreamOutputs: [String: [String: String]] = [:]
            var running: [StageID] = []
            for need in stage.inputStages {
                if let s = steps[need], s.action == .reuse, let record = s.record {
                    upstreamOutputs[need.description] = record.outputs.mapValues(\.sha256)
                } else {
                    running.append(need)
                }
            }
            let previousEntry = previousStages[id.description]
            let explanation = explain(stage, version: version, spec: spec, files: files, previous: previousEntry,
                                      previousSeed: previousSeed, running: running, steps: steps)
            var step: Plan.Step
            if !running.isEmpty {
                step = Plan.Step(id: id, kind: stage.kind, action: .run, reason: forced ? "--force" : explanation ?? "input \(running[0]) changed",
                                 key: nil, record: nil, forced: forced)
            } else {
                let key = Fingerprint(stage: stage, version: version, seed: spec.seed, files: files, inputs: upstreamOutputs).key
                let record = store.record(key, in: .stages)
                if forced {
                    step = Plan.Step(id: id, kind: stage.kind, action: .run, reason: "--force", key: key, record: nil, forced: true)
                } else if let record {
                    if let missing = record.outputs.keys.sorted().first(where: { record.outputs[$0].map { !store.contains($0) } ?? true }) {
                        step = Plan.Step(id: id, kind: stage.kind, action: .run, reason: "output \(missing) missing from cache",
                                         key: key, record: nil, forced: false)
                    } else {
                        let reason: String
                        if let p = previousEntry, p.key != key, !p.key.isEmpty {
                            reason = "restored from cache" + (explanation.map { ": \($0)" } ?? "")
                        } else {
                            reason = "unchanged"
                        }
                        step = Plan.Step(id: id, kind: stage.kind, action: .reuse, reason: reason, key: key, record: record, forced: false)
                    }
                } else {
                    step = Plan.Step(id: id, kind: stage.kind, action: .run, reason: explanation ?? "not in cache",
                                     key: key, record: nil, forced: false)
                }
            }
            steps[id] = step
            ordered.append(step)
        }
        return Plan(steps: ordered)
    }

    /// Why a stage differs from its previous run, if it does: the first of new stage, kind or
    /// implementation change, parameter changes, seed, input files, upstream stages.
    func explain(_ stage: StageSpec, version: Int, spec: ExperimentSpec, files: [String: FileHash],
                 previous: Manifest.StageEntry?, previousSeed: Int?, running: [StageID],
                 steps: [StageID: Plan.Step]) -> String? {
        guard let p = previous else { return "new stage" }
        if p.kind != stage.kind { return "kind \(p.kind) → \(stage.kind)" }
        if p.version != version { return "implementation of \(stage.kind) v\(p.version) → v\(version)" }
        let changes = ParamValue.changes(from: .object(p.params), to: .object(stage.params))
        if !changes.isEmpty {
            let shown = changes.prefix(3).map { "params.\($0.text)" }.joined(separator: ", ")
            return changes.count > 3 ? "\(shown) (+\(changes.count - 3) more)" : shown
        }
        if p.status == .failed { return "failed last run" }
        if p.status == .skipped || p.key.isEmpty { return "skipped last run" }
        if let previousSeed, previousSeed != spec.seed { return "seed \(previousSeed) → \(spec.seed)" }
        let previousFiles = Dictionary(p.files.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        for path in stage.inputFiles where previousFiles[path] != files[path]?.sha256 {
            return "input file \(path) changed"
        }
        if let first = running.first { return "input \(first) changed" }
        let previousInputs = Dictionary(p.inputs.map { ($0.stage, $0.key) }, uniquingKeysWith: { a, _ in a })
        for need in stage.inputStages {
            if let key = steps[need]?.key, previousInputs[need.description] != key { return "input \(need) changed" }
        }
        return nil
    }
}
