// Workspace: an experiment's results folder over a cache, and the one workflow the commands
// share — hold the cache (sweeping what killed writers left when no one else uses it), plan
// against the previous manifest, run, write the run's record and the current manifest (a no-op
// run: only a short record pointing at the unchanged manifest, see RunPointer). Works
// through the ArtifactStore protocol only, so it runs the same over a FileStore or a MemoryStore.
public import Foundation
public import PipelineModel

/// Where an experiment's results go, bound to the engine that computes them.
public struct Workspace: Sendable {
    public let pipeline: Pipeline
    public let results: ResultsFolder

    public init(pipeline: Pipeline, results: ResultsFolder) {
        self.pipeline = pipeline
        self.results = results
    }

    /// The workspace of a prepared experiment under `resultsRoot` (results/<name>/).
    public init(pipeline: Pipeline, resultsRoot: URL, experiment: PreparedExperiment) {
        self.init(pipeline: pipeline, results: ResultsFolder(resultsRoot: resultsRoot, experiment: experiment.spec.name))
    }

    /// The manifest of the last run (what plans explain changes against), if any.
    public var previous: Manifest? { results.currentManifest() }

    /// Holds the cache for running (see `Pipeline.holdCache`) until released.
    public func hold(owner: String, wait: Bool, onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        try pipeline.holdCache(owner: owner, wait: wait, onWait: onWait)
    }

    /// The plan against the cache and the previous manifest.
    public func plan(_ prepared: PreparedExperiment, options: PlanOptions) -> Plan {
        pipeline.plan(prepared, previous: previous, options: options)
    }

    /// What a run did and recorded.
    public struct Run: Sendable {
        public let result: RunResult
        /// The run's own record (results/<name>/runs/<run-id>/manifest.json).
        public let record: Manifest
        /// The current manifest (results/<name>/manifest.json): the record plus the stages a
        /// partial run left alone, carried over while their keys still apply.
        public let current: Manifest
        /// A no-op run (see `RunPointer`): its record is a short pointer to the unchanged current
        /// manifest, which was not rewritten.
        public var isNoOp = false
    }

    /// Runs `plan` (made against `previous`) and writes the run's record and the current manifest.
    /// Hold the cache (`hold`) around it.
    public func run(_ prepared: PreparedExperiment, plan: Plan, previous: Manifest?, options: RunOptions,
                    observer: (any RunObserver)?, toolVersion: String, environment: Manifest.Environment? = nil,
                    startedAt: Date = Date()) throws(EngineError) -> Run {
        var options = options
        if options.expectedSeconds.isEmpty { options.expectedSeconds = Runner.expectedSeconds(plan: plan, previous: previous) }
        let (result, record) = pipeline.run(prepared, plan: plan, options: options, observer: observer,
                                            toolVersion: toolVersion, environment: environment, startedAt: startedAt)
        let current = pipeline.current(after: record, result: result, plan: plan, previous: previous, prepared: prepared)
        // A no-op writes a short record pointing at the unchanged manifest, not a full copy.
        if let previous, try results.writePointer(record: record, previous: previous) {
            return Run(result: result, record: record, current: current, isNoOp: true)
        }
        try results.write(record: record, current: current)
        return Run(result: result, record: record, current: current)
    }
}
