// Planner: the pure decision of what a run would do. For every stage instance, in the graph's
// dependency order: excluded (not selected), reuse (its key has a cached record whose outputs are
// present), or run — each with a `Reason` value. Cheap things first: definition, inputs, then outputs.
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
        public let reason: Reason
        /// The key when it is known before running (all inputs cached); nil when an upstream stage runs first.
        public let key: String?
        /// The cached record a reuse restores.
        public let record: StageRecord?
        /// Whether `--force` named this stage.
        public let forced: Bool
        /// The stage's key in the previous manifest (nil without one, or when it had none).
        public let previousKey: String?

        public init(id: StageID, kind: String, action: Action, reason: Reason, key: String? = nil,
                    record: StageRecord? = nil, forced: Bool = false, previousKey: String? = nil) {
            self.id = id
            self.kind = kind
            self.action = action
            self.reason = reason
            self.key = key
            self.record = record
            self.forced = forced
            self.previousKey = previousKey
        }
    }

    public let steps: [Step]
    private let index: [StageID: Int]

    public init(steps: [Step]) {
        self.steps = steps
        var index: [StageID: Int] = [:]
        for (i, step) in steps.enumerated() { index[step.id] = i }
        self.index = index
    }

    /// The step of a stage.
    public func step(_ id: StageID) -> Step? { index[id].map { steps[$0] } }

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
        // The records of the previous run's keys, and whether their outputs are present, read on
        // every core at once: in a rerun most stages keep their key. `decide` looks up any other key itself.
        let keys = Array(Set(previous?.stages.compactMap { $0.key.isEmpty ? nil : $0.key } ?? []))
        let prefetched = concurrentMap(keys) { key in
            store.record(key, in: .stages).map { record in
                (key, PrefetchedRecords.Found(record: record, missingOutput: Self.firstMissingOutput(of: record, in: store)))
            }
        }
        let lookup = PrefetchedRecords(store: store, records: Dictionary(prefetched.compactMap { $0 }, uniquingKeysWith: { a, _ in a }))
        for id in graph.order {
            guard let stage = graph.stage(id) else { continue }
            let step = decide(stage, spec: spec, files: files, store: lookup, previous: previousStages[id.description],
                              previousSeed: previousSeed, steps: steps, options: options)
            steps[id] = step
            ordered.append(step)
        }
        return Plan(steps: ordered)
    }

    /// Record lookups answered from the prefetched records first, else by the store.
    struct PrefetchedRecords {
        /// A stage record and the first of its outputs (by name) missing from the store, if any.
        struct Found {
            let record: StageRecord
            let missingOutput: String?
        }
        let store: any ArtifactStore
        let records: [String: Found]
        func record(_ key: String, in table: RecordTable) -> StageRecord? {
            table == .stages ? records[key]?.record ?? store.record(key, in: table) : store.record(key, in: table)
        }
        /// The stage record under `key` with its first missing output (prefetched, or looked up now).
        func stageRecord(_ key: String) -> Found? {
            if let found = records[key] { return found }
            return store.record(key, in: .stages).map { Found(record: $0, missingOutput: Planner.firstMissingOutput(of: $0, in: store)) }
        }
    }

    /// The first output of `record`, by name, that `store` does not hold.
    static func firstMissingOutput(of record: StageRecord, in store: any ArtifactStore) -> String? {
        record.outputs.keys.sorted().first { record.outputs[$0].map { !store.contains($0) } ?? true }
    }

    /// The decision for one stage, given the decisions for the stages before it.
    func decide(_ stage: StageSpec, spec: ExperimentSpec, files: [String: FileHash], store: any ArtifactStore,
                previous: Manifest.StageEntry?, previousSeed: Int?, steps: [StageID: Plan.Step],
                options: PlanOptions) -> Plan.Step {
        decide(stage, spec: spec, files: files, store: PrefetchedRecords(store: store, records: [:]), previous: previous,
               previousSeed: previousSeed, steps: steps, options: options)
    }

    func decide(_ stage: StageSpec, spec: ExperimentSpec, files: [String: FileHash], store: PrefetchedRecords,
                previous: Manifest.StageEntry?, previousSeed: Int?, steps: [StageID: Plan.Step],
                options: PlanOptions) -> Plan.Step {
        let id = stage.id
        let version = registry[stage.kind]?.version ?? 0
        let previousKey = previous.flatMap { $0.key.isEmpty ? nil : $0.key }
        if let only = options.only, !only.contains(id) {
            return Plan.Step(id: id, kind: stage.kind, action: .excluded, reason: .notSelected, previousKey: previousKey)
        }
        let forced = options.force.contains(id)
        func run(_ reason: Reason, key: String? = nil) -> Plan.Step {
            Plan.Step(id: id, kind: stage.kind, action: .run, reason: forced ? .forced : reason, key: key,
                      forced: forced, previousKey: previousKey)
        }
        let ownChange = change(of: stage, version: version, seed: spec.seed, files: files, previous: previous,
                               previousSeed: previousSeed)
        // Inputs: upstream outputs are known only for upstream stages that are reused.
        var upstreamOutputs: [String: [String: String]] = [:]
        var running: [Plan.Step] = []
        for need in stage.inputStages {
            if let s = steps[need], s.action == .reuse, let record = s.record {
                upstreamOutputs[need.description] = record.outputs.mapValues(\.sha256)
            } else if let s = steps[need] {
                running.append(s)
            }
        }
        if !running.isEmpty {
            // The key waits for the upstream outputs; the runner settles it (see `Runner`).
            if let ownChange { return run(ownChange) }
            if let changed = running.first(where: { $0.reason.changesOutputs }) { return run(.upstreamChanged(changed.id)) }
            // The upstream stages rerun without having changed: this one is probably reused after
            // them, unless its own record is gone too (a fresh or wiped cache).
            if let previousKey, store.record(previousKey, in: .stages) != nil { return run(.upstreamReruns(running[0].id)) }
            return run(.notInCache)
        }
        let key = Fingerprint(stage: stage, version: version, seed: spec.seed, files: files, inputs: upstreamOutputs).key
        if forced { return run(.forced, key: key) }
        // Same definition, upstream outputs already cached: a key unlike the previous one means
        // an upstream stage's outputs changed.
        var inputChange: Reason?
        if let previous, previousKey != key {
            let previousInputs = Dictionary(previous.inputs.map { ($0.stage, $0.key) }, uniquingKeysWith: { a, _ in a })
            if let need = stage.inputStages.first(where: { previousInputs[$0.description] != steps[$0]?.key }) {
                inputChange = .upstreamChanged(need)
            }
        }
        guard let found = store.stageRecord(key) else {
            return run(ownChange ?? inputChange ?? .notInCache, key: key)
        }
        let record = found.record
        if let missing = found.missingOutput {
            return run(.outputMissing(name: missing), key: key)
        }
        let reason: Reason = previousKey != nil && previousKey != key ? .restored(from: ownChange ?? inputChange) : .unchanged
        return Plan.Step(id: id, kind: stage.kind, action: .reuse, reason: reason, key: key, record: record,
                         previousKey: previousKey)
    }

    /// How a stage's own definition differs from its previous run, if it does: the first of new
    /// stage, kind or implementation change, parameter changes, last run failed or skipped, seed,
    /// input files. Upstream stages are not looked at here.
    func change(of stage: StageSpec, version: Int, seed: Int, files: [String: FileHash],
                previous: Manifest.StageEntry?, previousSeed: Int?) -> Reason? {
        guard let p = previous else { return .newStage }
        if p.kind != stage.kind { return .kindChanged(from: p.kind, to: stage.kind) }
        if p.version != version { return .versionChanged(kind: stage.kind, from: p.version, to: version) }
        let changes = ParamValue.changes(from: .object(p.params), to: .object(stage.params))
        if !changes.isEmpty { return .paramsChanged(changes) }
        if p.status == .failed { return .failedLastRun }
        if p.status == .skipped || p.key.isEmpty { return .skippedLastRun }
        if let previousSeed, previousSeed != seed { return .seedChanged(from: previousSeed, to: seed) }
        let previousFiles = Dictionary(p.files.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        for path in stage.inputFiles where previousFiles[path] != files[path]?.sha256 {
            return .inputFileChanged(path: path)
        }
        return nil
    }
}
