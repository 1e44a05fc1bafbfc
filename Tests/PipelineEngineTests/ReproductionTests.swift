// ReproductionTests: recomputing cached stages away from the cache — a deterministic stage is
// reproduced, a deliberately flaky one is not (naming the outputs that differ), iterative
// stages recompute every step, bad ids and uncached stages are refused before anything runs,
// and the cache on disk is byte-for-byte what it was.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

/// a → b (fake), a → f (flaky), b → s (fake with three per-step cached levels).
private let experiment = """
name: r
seed: 3
stages:
  a: {kind: fake, value: 1}
  b: {kind: fake, needs: a, value: 2}
  f: {kind: flaky, needs: a, value: 3}
  s: {kind: fake, needs: b, steps: 3}
"""

@Suite struct ReproductionTests {
    private func harness(_ log: ExecutionLog, store: any ArtifactStore = MemoryStore()) -> EngineHarness {
        EngineHarness(registry: StageRegistry([FakeStage(log: log), FlakyStage()]), store: store)
    }

    private func targets(_ h: EngineHarness, _ ids: [String]) throws -> (PreparedExperiment, [Reproduction.Target]) {
        let (prepared, _) = try h.plan(experiment)
        return (prepared, try h.pipeline.reproductionTargets(prepared, ids: ids))
    }

    @Test func aDeterministicStageIsReproducedByRunningItAgain() throws {
        let log = ExecutionLog()
        let h = harness(log)
        try h.run(experiment, threads: 2)
        log.reset()
        let (prepared, found) = try targets(h, ["b"])
        let result = h.pipeline.reproduce(prepared, try #require(found.first), threads: 1)
        #expect(result.verdict == .reproduced && result.differingOutputs.isEmpty)
        #expect(result.stage == "b" && result.threads == 1 && result.cachedThreads == 2)
        #expect(result.outputs.map(\.name) == ["out"])
        #expect(log.executions == ["b": 1])
    }

    @Test func aStageWhoseKeyDoesNotDetermineItsBytesIsNotReproduced() throws {
        let h = harness(ExecutionLog())
        try h.run(experiment)
        let (prepared, found) = try targets(h, ["f", "a"])
        #expect(found.map(\.id.description) == ["a", "f"])
        let results = found.map { h.pipeline.reproduce(prepared, $0, threads: 1) }
        #expect(results.map(\.verdict) == [.reproduced, .notReproduced])
        #expect(results[1].differingOutputs == ["model"])
        #expect(results[1].outputs.first { $0.name == "history" }?.matches == true)
    }

    @Test func anIterativeStageRecomputesEveryStepInsteadOfReusingTheCachedSteps() throws {
        let log = ExecutionLog()
        let h = harness(log)
        try h.run(experiment)
        #expect(log.stepsComputed == 3)
        let (prepared, found) = try targets(h, ["s"])
        let result = h.pipeline.reproduce(prepared, try #require(found.first), threads: 1)
        #expect(result.verdict == .reproduced)
        #expect(log.stepsComputed == 6)
    }

    @Test func unknownAndUncachedStagesAreRefusedBeforeAnythingRuns() throws {
        let log = ExecutionLog()
        let h = harness(log)
        #expect(throws: EngineError.unknownStage("bb", suggestion: "b")) { try targets(h, ["bb"]) }
        #expect(throws: EngineError.notCached(stage: "b", reason: "its inputs are not cached either")) { try targets(h, ["b"]) }
        try h.run(experiment, only: ["a"])
        #expect(throws: EngineError.notCached(stage: "b", reason: "never run with these inputs and parameters")) {
            try targets(h, ["a", "b"])
        }
        #expect(log.executions == ["a": 1])
    }

    @Test func theCacheOnDiskIsLeftExactlyAsItWas() throws {
        let root = try makeTemporaryDirectory("hsiflow-reproduce")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try FileStore(root: root)
        let h = harness(ExecutionLog(), store: store)
        try h.run(experiment)
        let before = try directoryFingerprint(root)
        let objects = try store.allObjects().count
        let (prepared, found) = try targets(h, ["a", "b", "f", "s"])
        let results = found.map { h.pipeline.reproduce(prepared, $0, threads: 1) }
        #expect(results.map(\.verdict) == [.reproduced, .reproduced, .notReproduced, .reproduced])
        #expect(try directoryFingerprint(root) == before)
        #expect(try store.allObjects().count == objects)
    }
}
