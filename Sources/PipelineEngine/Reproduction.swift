// Reproduction: does a stage's key still give its cached bytes? A cached stage is rerun in a
// ScratchStore — inputs read from the cache, outputs written to memory — and the new output
// hashes are compared with the cached ones. The cache is only read: no object, record, lock or
// manifest is written (a cached object found corrupt while reading is dropped, as every read does).
public import Foundation
public import PipelineModel

/// The verdict of recomputing one cached stage.
public struct Reproduction: Sendable, Hashable, Codable {
    /// Reproduced, not reproduced, or the rerun failed.
    public enum Verdict: String, Sendable, Hashable, Codable {
        case reproduced, notReproduced, failed
    }

    /// One output: its cached and recomputed hashes (nil when only one side has it).
    public struct Output: Sendable, Hashable, Codable {
        public let name: String
        public let cached: String?
        public let recomputed: String?
        public var matches: Bool { cached != nil && cached == recomputed }
    }

    /// A cached stage to recompute: found by `Pipeline.reproductionTargets`.
    public struct Target: Sendable {
        public let id: StageID
        /// The stage's current key, under which the cache holds `record`.
        public let key: String
        public let record: StageRecord
    }

    public let stage: String
    public let key: String
    public let verdict: Verdict
    /// Every output of either side, by name.
    public let outputs: [Output]
    /// Threads the rerun used, and the threads of the run that produced the cached outputs (if recorded).
    public let threads: Int
    public let cachedThreads: Int?
    /// Seconds the rerun took.
    public let seconds: Double
    /// Why the rerun failed.
    public let error: String?

    /// Names of the outputs that differ, sorted.
    public var differingOutputs: [String] { outputs.filter { !$0.matches }.map(\.name).sorted() }
}

extension Pipeline {
    /// The cached stages named by `texts` (a stage name stands for all its matrix instances), in
    /// dependency order, each with its current key and cached record. Throws `unknownStage` (with
    /// a did-you-mean) or `notCached` before anything runs.
    public func reproductionTargets(_ prepared: PreparedExperiment, ids texts: [String]) throws(EngineError) -> [Reproduction.Target] {
        var ids = Set<StageID>()
        for text in texts { ids.formUnion(try prepared.graph.select(text)) }
        let plan = self.plan(prepared, previous: nil, options: PlanOptions(only: prepared.graph.withAncestors(Array(ids))))
        return try prepared.graph.order.filter(ids.contains).map { id throws(EngineError) -> Reproduction.Target in
            guard let step = plan.step(id), step.action == .reuse, let key = step.key, let record = step.record else {
                let step = plan.step(id)
                let reason: String = if step?.key == nil { "its inputs are not cached either" }
                    else if case .outputMissing? = step?.reason { step?.reason.description ?? "" }
                    else { "never run with these inputs and parameters" }
                throw .notCached(stage: id.description, reason: reason)
            }
            return Reproduction.Target(id: id, key: key, record: record)
        }
    }

    /// Reruns a cached stage with `threads` worker threads in a scratch store over this pipeline's
    /// store and compares its outputs with the cached ones.
    public func reproduce(_ prepared: PreparedExperiment, _ target: Reproduction.Target, threads: Int) -> Reproduction {
        let scratch = ScratchStore(base: store)
        let plan = Planner(registry: registry).plan(
            prepared.spec, graph: prepared.graph, files: prepared.files, store: scratch, previous: nil,
            options: PlanOptions(force: [target.id], only: prepared.graph.withAncestors([target.id])))
        let options = RunOptions(jobs: 1, threadsPerJob: threads, baseDirectory: baseDirectory)
        let result = Runner(registry: registry, store: scratch).run(prepared.spec, graph: prepared.graph, plan: plan,
                                                                   files: prepared.files, options: options, observer: nil)
        let outcome = result.outcome(target.id)
        func verdict(_ verdict: Reproduction.Verdict, _ outputs: [Reproduction.Output], error: String? = nil) -> Reproduction {
            Reproduction(stage: target.id.description, key: target.key, verdict: verdict, outputs: outputs,
                         threads: threads, cachedThreads: target.record.threads, seconds: outcome?.seconds ?? 0, error: error)
        }
        // Upstream stages must have been reused as cached; one that reran (its cached output was
        // corrupt) changes what the stage reads.
        if let rerun = result.outcomes.first(where: { $0.id != target.id && $0.status != .cached && $0.status != .skipped }) {
            return verdict(.failed, [], error: "upstream \(rerun.id) could not be read from the cache (\(rerun.reason.description)); run the experiment again first")
        }
        guard let outcome, outcome.status == .ran, let record = outcome.record else {
            return verdict(.failed, [], error: outcome?.error ?? "the stage did not run (\(outcome?.reason.description ?? "no outcome"))")
        }
        guard outcome.key == target.key else {
            return verdict(.failed, [], error: "the rerun got key \(outcome.key), not the cached \(target.key)")
        }
        let names = Set(target.record.outputs.keys).union(record.outputs.keys).sorted()
        let outputs = names.map { name in
            Reproduction.Output(name: name, cached: target.record.outputs[name]?.sha256, recomputed: record.outputs[name]?.sha256)
        }
        return verdict(outputs.allSatisfy(\.matches) ? .reproduced : .notReproduced, outputs)
    }
}
