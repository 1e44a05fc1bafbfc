// RunnerTests: the engine end to end with fake counting stages — reuse, reruns with reasons,
// run-cache, early cutoff, parallelism that respects dependencies, keep-going, force, only,
// corruption recovery, concurrent runs on one cache, per-step caching and `stage run`.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

/// a → b → c, a → d.
private func chain(b: String = "1", bNote: String = "", extra: String = "") -> String {
    """
    name: t
    seed: 1
    stages:
      a:
        kind: fake
        value: 1
      b:
        kind: fake
        needs: a
        value: \(b)
        note: "\(bNote)"
      c:
        kind: fake
        needs: b
      d:
        kind: fake
        needs: a
    \(extra)
    """
}

@Suite struct RunnerTests {
    @Test func eachStageRecordsTheThreadsItRanWithAndACachedStageKeepsTheOriginalRunsThreads() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let first = try h.run(chain(), threads: 3)
        #expect(first.manifest.stages.map(\.threads) == [3, 3, 3, 3])
        let second = try h.run(chain(b: "2"), threads: 1)
        #expect(second.manifest.stage("a")?.status == .cached && second.manifest.stage("a")?.threads == 3)
        #expect(second.manifest.stage("b")?.status == .ran && second.manifest.stage("b")?.threads == 1)
        // The manifest's environment is the caller's to give; the engine alone records none.
        #expect(second.manifest.environment == nil)
    }

    @Test func secondRunExecutesNothing() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let first = try h.run(chain())
        #expect(first.result.ids(.ran) == ["a", "b", "c", "d"])
        #expect(first.plan.steps.allSatisfy { $0.reason == .newStage })
        #expect(log.total == 4)
        let second = try h.run(chain())
        #expect(log.total == 4)
        #expect(second.result.ids(.cached) == ["a", "b", "c", "d"])
        #expect(second.plan.runCount == 0)
        #expect(second.result.reason("c") == "unchanged")
    }

    @Test func changingOneParameterRerunsExactlyThatStageAndItsDescendants() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain(b: "1"))
        log.reset()
        let (_, plan) = try h.plan(chain(b: "2"))
        #expect(plan.step(StageID(name: "b"))?.reason.description == "params.value 1 → 2")
        #expect(plan.step(StageID(name: "c"))?.reason.description == "input b changed")
        #expect(plan.step(StageID(name: "a"))?.action == .reuse)
        #expect(plan.step(StageID(name: "d"))?.action == .reuse)
        let run = try h.run(chain(b: "2"))
        #expect(log.executions == ["b": 1, "c": 1])
        #expect(run.result.ids(.ran) == ["b", "c"])
        #expect(run.result.ids(.cached) == ["a", "d"])
    }

    @Test func settingAParameterBackRestoresFromCacheWithoutExecuting() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain(b: "1"))
        try h.run(chain(b: "2"))
        log.reset()
        let back = try h.run(chain(b: "1"))
        #expect(log.total == 0)
        #expect(back.result.ids(.cached) == ["a", "b", "c", "d"])
        #expect(back.result.reason("b") == "restored from cache: params.value 2 → 1")
    }

    @Test func identicalOutputsStopTheInvalidation() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain(bNote: "first"))
        log.reset()
        // `note` changes b's key but not its bytes: b reruns, c stays cached (early cutoff).
        let run = try h.run(chain(bNote: "second"))
        #expect(log.executions == ["b": 1])
        #expect(run.result.status("c") == .cached)
        #expect(run.result.reason("c") == "inputs reran with identical outputs (early cutoff)")
    }

    @Test func aStageWhoseOwnChangeLeadsBackToAnEarlierKeyIsRestoredEvenBehindARerun() throws {
        let yaml = { (note: String, value: Int) in
            "name: r\nstages:\n  a: {kind: fake, note: \(note)}\n  b: {kind: fake, needs: a, value: \(value)}\n"
        }
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(yaml("x", 1))
        try h.run(yaml("y", 2))
        log.reset()
        let third = try h.run(yaml("z", 1))
        #expect(log.executions == ["a": 1])
        #expect(third.result.reason("b") == "restored from cache: params.value 2 → 1")
    }

    @Test func forceRerunsOnlyTheForcedStage() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain())
        log.reset()
        let run = try h.run(chain(), force: ["b"])
        #expect(run.plan.step(StageID(name: "b"))?.reason.description == "--force")
        #expect(log.executions == ["b": 1])
        #expect(run.result.status("c") == .cached)
    }

    @Test func onlyRunsTheTargetAndWhatItNeeds() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let run = try h.run(chain(), only: ["c"])
        #expect(log.executions == ["a": 1, "b": 1, "c": 1])
        #expect(run.result.status("d") == .skipped)
        #expect(run.result.reason("d") == "not selected by --only")
        #expect(throws: EngineError.unknownStage("cc", suggestion: "c")) { try h.run(chain(), only: ["cc"]) }
    }

    @Test func stagesThatDidNotFinishLastTimeSaySo() throws {
        let h = EngineHarness(registry: fakeRegistry(ExecutionLog()))
        try h.run(chain(), only: ["c"])
        let full = try h.run(chain())
        #expect(full.result.reason("d") == "skipped last run")
        let failing = "name: f\nstages:\n  bad: {kind: fake, fail: true}\n"
        try h.run(failing)
        #expect(try h.run(failing).result.reason("bad") == "failed last run")
    }

    @Test func parallelExecutionRespectsDependencies() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        // A diamond of sleeping stages plus independent siblings.
        let yaml = """
        name: p
        stages:
          root: {kind: fake, sleep: 0.05}
          left: {kind: fake, needs: root, sleep: 0.1, value: 1}
          right: {kind: fake, needs: root, sleep: 0.1, value: 2}
          join: {kind: fake, needs: [left, right], sleep: 0.02}
          lone1: {kind: fake, meet: lones, value: 3}
          lone2: {kind: fake, meet: lones, value: 4}
          tail: {kind: fake, needs: [join, lone1]}
        """
        let run = try h.run(yaml, jobs: 3)
        #expect(run.result.ids(.ran).count == 7)
        let events = Dictionary(log.history.map { ($0.stage, $0) }, uniquingKeysWith: { a, _ in a })
        for stage in run.result.outcomes {
            guard let me = events[stage.id.description] else { Issue.record("no event for \(stage.id)"); continue }
            for need in h.pipelineGraph(yaml).stage(stage.id)?.needs ?? [] {
                let upstream = try #require(events[need.description])
                #expect(upstream.ended < me.started, "\(stage.id) started before \(need) ended")
            }
        }
        // lone1 and lone2 wait for each other: they can only both finish if they ran at the same time.
        #expect(log.missedMeetings.isEmpty, "independent stages did not overlap: \(log.missedMeetings)")
        #expect(log.maxConcurrent >= 2)
        #expect(log.maxConcurrent <= 3)
    }

    @Test func keepGoingSkipsOnlyDependentsOfTheFailure() throws {
        let yaml = """
        name: k
        stages:
          bad: {kind: fake, fail: true}
          after: {kind: fake, needs: bad}
          other: {kind: fake, value: 7}
          later: {kind: fake, needs: other}
        """
        let log = ExecutionLog()
        let going = try EngineHarness(registry: fakeRegistry(log)).run(yaml, keepGoing: true)
        #expect(going.result.status("bad") == .failed)
        #expect(going.result.status("after") == .skipped)
        #expect(going.result.reason("after") == "needs bad, which failed")
        #expect(going.result.ids(.ran) == ["later", "other"])
        #expect(going.manifest.summary.failed == 1)

        let stopping = try EngineHarness(registry: fakeRegistry(ExecutionLog())).run(yaml, keepGoing: false)
        #expect(stopping.result.status("bad") == .failed)
        #expect(stopping.result.ids(.skipped) == ["after", "later", "other"])
        #expect(stopping.result.reason("other")?.hasPrefix("not run: stopped after bad failed") == true)
    }

    @Test func aFlippedByteInACachedObjectIsDetectedAndRecomputed() throws {
        let log = ExecutionLog()
        let store = MemoryStore()
        let h = EngineHarness(registry: fakeRegistry(log), store: store)
        let first = try h.run(chain())
        let bOutput = try #require(first.result.outcome(StageID(name: "b"))?.record?.outputs["out"])
        store.corrupt(bOutput.sha256) { data in data[data.startIndex] ^= 0x01 }
        log.reset()
        let second = try h.run(chain())
        #expect(log.executions == ["b": 1])
        #expect(second.result.reason("b")?.contains("corrupt") == true)
        // Recomputed bytes are identical, so c is still reused.
        #expect(second.result.status("c") == .cached)
        #expect(store.verify(bOutput))
    }

    @Test func twoConcurrentRunsOnOneFileCacheBothFinishAndComputeEachStageOnce() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileStore(root: directory.appendingPathComponent("cache"))
        let log = ExecutionLog()
        let yaml = """
        name: two
        stages:
          a: {kind: fake, sleep: 0.05}
          b: {kind: fake, needs: a, sleep: 0.05}
          c: {kind: fake, needs: b, sleep: 0.05}
        """
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do {
                // Both hold the cache shared at once; each stage is computed under its own lock.
                let h = EngineHarness(registry: fakeRegistry(log), store: store)
                let hold = try h.pipeline.holdCache(owner: "test \(i)", wait: true) { _ in }
                defer { hold.release() }
                let run = try h.run(yaml)
                results.add(run.result.outcomes.map(\.status))
            } catch {
                results.add([])
            }
        }
        let all = results.values
        #expect(all.count == 2)
        #expect(all.allSatisfy { $0.count == 3 && !$0.contains(.failed) })
        // Every stage was computed by one run and reused by the other.
        #expect(log.total == 3)
        #expect(log.executions == ["a": 1, "b": 1, "c": 1])
        for stage in 0..<3 where all.allSatisfy({ $0.count == 3 }) {
            #expect(all.map { $0[stage] }.sorted { $0.rawValue < $1.rawValue } == [.cached, .ran])
        }
    }

    @Test func perStepCacheComputesOnlyNewSteps() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let yaml = { (n: Int) in "name: s\nstages:\n  sweep: {kind: fake, steps: \(n)}\n" }
        try h.run(yaml(3))
        #expect(log.stepsComputed == 3)
        try h.run(yaml(5))
        #expect(log.stepsComputed == 5)
        #expect(log.executions == ["sweep": 2])
    }

    @Test func aStageRunsAloneThroughTheCacheOnceItsInputsAreCached() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let pipeline = h.pipeline
        let prepared = try pipeline.prepare(pipeline.loader.load(text: chain(), path: "test.yaml"))
        #expect(throws: EngineError.missingUpstream(stage: "c", upstream: "a")) {
            try pipeline.runStage(prepared, id: "c", force: false, options: RunOptions(), observer: nil)
        }
        _ = try pipeline.runStage(prepared, id: "a", force: false, options: RunOptions(), observer: nil)
        _ = try pipeline.runStage(prepared, id: "b", force: false, options: RunOptions(), observer: nil)
        let c = try pipeline.runStage(prepared, id: "c", force: false, options: RunOptions(), observer: nil)
        #expect(c.status == .ran)
        #expect(log.executions == ["a": 1, "b": 1, "c": 1])
        // The full run now finds a, b, c cached and computes only d.
        log.reset()
        let run = try h.run(chain())
        #expect(log.executions == ["d": 1])
        #expect(run.result.ids(.cached) == ["a", "b", "c"])
    }

    @Test func aChangedImplementationVersionRerunsWithAReason() throws {
        let store = MemoryStore()
        let h1 = EngineHarness(registry: fakeRegistry(ExecutionLog(), version: 1), store: store)
        let first = try h1.run(chain())
        let log = ExecutionLog()
        let h2 = EngineHarness(registry: fakeRegistry(log, version: 2), store: store)
        let (prepared, _) = try h2.plan(chain())
        let plan = h2.pipeline.plan(prepared, previous: first.manifest, options: PlanOptions())
        #expect(plan.step(StageID(name: "a"))?.reason.description == "implementation of fake v1 → v2")
    }
}

/// Collects results from concurrent closures.
final class ResultBox: @unchecked Sendable {
    private let mutex = NSLock()
    private var items: [[Manifest.Status]] = []
    func add(_ s: [Manifest.Status]) { mutex.withLock { items.append(s) } }
    var values: [[Manifest.Status]] { mutex.withLock { items } }
}

extension EngineHarness {
    func pipelineGraph(_ yaml: String) -> PipelineGraph {
        // The yaml was valid when it ran; an invalid one gives an empty graph and failing expectations.
        guard let spec = try? pipeline.loader.load(text: yaml, path: "test.yaml") else {
            return PipelineGraph(ExperimentSpec(name: "", path: "", sha256: "", seed: 0, vars: [:], matrix: [], stages: [], report: [:]))
        }
        return PipelineGraph(spec)
    }
}
