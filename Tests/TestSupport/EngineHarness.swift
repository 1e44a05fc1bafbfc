// EngineHarness: runs experiment text through the real engine (loader, planner, runner,
// manifest) over a MemoryStore or a FileStore, remembering the previous manifest like
// results/<name>/manifest.json does, so tests read as "run, edit, run again".
public import Foundation
public import PipelineEngine
public import PipelineModel

/// One experiment run repeatedly against one store.
public final class EngineHarness: @unchecked Sendable {
    public let registry: StageRegistry
    public let store: any ArtifactStore
    public let baseDirectory: URL
    public private(set) var previous: Manifest?

    public init(registry: StageRegistry, store: any ArtifactStore = MemoryStore(),
                baseDirectory: URL = FileManager.default.temporaryDirectory) {
        self.registry = registry
        self.store = store
        self.baseDirectory = baseDirectory
    }

    public var pipeline: Pipeline {
        Pipeline(registry: registry, store: store, baseDirectory: baseDirectory, hasher: InputFileHasher(memoURL: nil))
    }

    /// Resolves, hashes inputs, and plans.
    public func plan(_ yaml: String, overrides: [String] = [], force: [String] = [], only: [String] = []) throws -> (PreparedExperiment, Plan) {
        let p = pipeline
        let spec = try p.loader.load(text: yaml, path: "test.yaml", overrides: overrides)
        let prepared = try p.prepare(spec)
        let options = try p.options(prepared, force: force, only: only)
        return (prepared, p.plan(prepared, previous: previous, options: options))
    }

    /// Plans and runs; the manifest becomes the previous one for the next call.
    @discardableResult
    public func run(_ yaml: String, overrides: [String] = [], force: [String] = [], only: [String] = [],
                    jobs: Int = 1, threads: Int = 1, keepGoing: Bool = false,
                    observer: (any RunObserver)? = nil) throws -> (plan: Plan, result: RunResult, manifest: Manifest) {
        let (prepared, plan) = try self.plan(yaml, overrides: overrides, force: force, only: only)
        let (result, manifest) = pipeline.run(prepared, plan: plan,
                                              options: RunOptions(jobs: jobs, keepGoing: keepGoing, threadsPerJob: threads,
                                                                  baseDirectory: baseDirectory),
                                              observer: observer, toolVersion: "test")
        previous = manifest
        return (plan, result, manifest)
    }
}

extension RunResult {
    /// Status and reason of a stage by id text.
    public func status(_ id: String) -> Manifest.Status? {
        outcomes.first { $0.id.description == id }?.status
    }

    public func reason(_ id: String) -> String? {
        outcomes.first { $0.id.description == id }?.reason.description
    }

    /// Ids with a status, sorted.
    public func ids(_ status: Manifest.Status) -> [String] {
        outcomes.filter { $0.status == status }.map(\.id.description).sorted()
    }
}
