// Pipeline: the engine's front door — load an experiment, hash its input files, hold the cache,
// plan against the store and the previous manifest, run, build the manifest. `Workspace` adds the
// results folder; commands and tests use both; everything they combine is usable on its own.
public import Foundation
public import PipelineModel

/// An experiment prepared for planning: resolved spec, graph and input-file hashes.
public struct PreparedExperiment: Sendable {
    public let spec: ExperimentSpec
    public let graph: PipelineGraph
    public let files: [String: FileHash]
}

/// The engine bound to a registry, a store and a base directory.
public struct Pipeline: Sendable {
    public let registry: StageRegistry
    public let store: any ArtifactStore
    public let baseDirectory: URL
    public let hasher: InputFileHasher

    public init(registry: StageRegistry, store: any ArtifactStore,
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                hasher: InputFileHasher? = nil) {
        self.registry = registry
        self.store = store
        self.baseDirectory = baseDirectory
        self.hasher = hasher ?? InputFileHasher(memoURL: store.directory?.appendingPathComponent("file-hashes.json"))
    }

    public var loader: ExperimentLoader { ExperimentLoader(registry: registry, baseDirectory: baseDirectory) }

    /// Loads and validates a file, then hashes its input files by content.
    public func prepare(path: String, overrides: [String] = []) throws(EngineError) -> PreparedExperiment {
        try prepare(loader.load(path: path, overrides: overrides))
    }

    /// Hashes the input files of a resolved spec.
    public func prepare(_ spec: ExperimentSpec) throws(EngineError) -> PreparedExperiment {
        var files: [String: FileHash] = [:]
        for stage in spec.stages {
            for path in stage.inputFiles where files[path] == nil {
                files[path] = try hasher.hash(path: path, resolved: spec.resolvedPath(path))
            }
        }
        hasher.save()
        return PreparedExperiment(spec: spec, graph: PipelineGraph(spec), files: files)
    }

    /// Holds the cache for running until the returned lock is released: first, if no other process
    /// uses the cache, sweeps what killed writers left half-written (under the exclusive lock, so
    /// nothing live is swept); then holds it shared, as every run and `stage run` does, so runs
    /// share the cache (each stage under its own lock) while maintenance (gc, verify) waits.
    /// Without `wait`, only a long exclusive holder (gc, verify) makes it fail: another run's
    /// sweep holds the lock for milliseconds, so a few short retries ride it out.
    public func holdCache(owner: String, wait: Bool, onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        if let alone = try? store.lockCache(.exclusive, owner: "\(owner), sweeping temporaries", wait: false, onWait: { _ in }) {
            store.removeStaleTemporaries()
            alone.release()
        }
        guard !wait else { return try store.lockCache(.shared, owner: owner, wait: true, onWait: onWait) }
        var attempt = 0
        while true {
            do throws(EngineError) {
                return try store.lockCache(.shared, owner: owner, wait: false, onWait: onWait)
            } catch {
                attempt += 1
                guard case .locked = error, attempt < 50 else { throw error }
                usleep(10_000)
            }
        }
    }

    /// Plan options from user-typed stage ids (`--force`, `--only`).
    public func options(_ prepared: PreparedExperiment, force: [String], only: [String]) throws(EngineError) -> PlanOptions {
        var forced = Set<StageID>()
        for text in force { forced.formUnion(try prepared.graph.select(text)) }
        var selected: Set<StageID>?
        if !only.isEmpty {
            var targets: [StageID] = []
            for text in only { targets += try prepared.graph.select(text) }
            selected = prepared.graph.withAncestors(targets)
        }
        return PlanOptions(force: forced, only: selected)
    }

    /// The plan (pure given the store's state and the previous manifest).
    public func plan(_ prepared: PreparedExperiment, previous: Manifest?, options: PlanOptions) -> Plan {
        Planner(registry: registry).plan(prepared.spec, graph: prepared.graph, files: prepared.files,
                                         store: store, previous: previous, options: options)
    }

    /// Runs a plan and returns the result and its manifest (recording `environment` in it).
    public func run(_ prepared: PreparedExperiment, plan: Plan, options: RunOptions, observer: (any RunObserver)?,
                    toolVersion: String, environment: Manifest.Environment? = nil,
                    startedAt: Date = Date()) -> (result: RunResult, manifest: Manifest) {
        let result = Runner(registry: registry, store: store).run(prepared.spec, graph: prepared.graph, plan: plan,
                                                                   files: prepared.files, options: options, observer: observer)
        let manifest = ManifestBuilder.manifest(spec: prepared.spec, result: result, files: prepared.files, store: store,
                                                runID: ManifestBuilder.runID(at: startedAt), startedAt: startedAt,
                                                toolVersion: toolVersion, environment: environment)
        return (result, manifest)
    }

    /// The current manifest after `run` (this run's record): stages the plan excluded keep their
    /// entries from `previous` while their keys still apply (see `ManifestBuilder.current`).
    public func current(after run: Manifest, result: RunResult, plan: Plan, previous: Manifest?,
                        prepared: PreparedExperiment) -> Manifest {
        ManifestBuilder.current(run: run, previous: previous, spec: prepared.spec, plan: plan, result: result,
                                files: prepared.files)
    }

    /// Runs one stage alone through the cache: everything it needs must already be cached.
    public func runStage(_ prepared: PreparedExperiment, id text: String, force: Bool, options: RunOptions,
                         observer: (any RunObserver)?) throws(EngineError) -> StageOutcome {
        let ids = try prepared.graph.select(text)
        guard ids.count == 1, let id = ids.first else {
            throw .unknownStage(text, suggestion: ids.first?.description)
        }
        let selection = prepared.graph.withAncestors([id])
        let plan = self.plan(prepared, previous: nil, options: PlanOptions(force: force ? [id] : [], only: selection))
        for step in plan.steps where step.id != id && selection.contains(step.id) && step.action != .reuse {
            throw .missingUpstream(stage: id.description, upstream: step.id.description)
        }
        let result = Runner(registry: registry, store: store).run(prepared.spec, graph: prepared.graph, plan: plan,
                                                                   files: prepared.files, options: options, observer: observer)
        guard let outcome = result.outcome(id) else {
            throw .stageContract(stage: id.description, message: "did not run")
        }
        return outcome
    }
}
