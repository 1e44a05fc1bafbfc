// ReasonTests: the decision model — every Reason's text (a snapshot, so a wording change is seen
// in review), a fresh or wiped cache explained as "not in cache" and nothing else, and the
// runner's transitions (early cutoff, restored, computed by another run) chosen by value.
import Foundation
@testable import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct ReasonTests {
    @Test func everyReasonRendersAsDocumented() {
        let b = StageID(name: "b")
        let train = StageID(name: "train", matrix: [.init(variable: "bands", value: "pca")])
        let changes = ParamValue.changes(from: .object(["epochs": .int(10), "lr": .double(0.001), "a": .int(1), "b": .int(2)]),
                                         to: .object(["epochs": .int(20), "lr": .double(0.01), "a": .int(2), "b": .int(3)]))
        let reasons: [(String, Reason)] = [
            ("newStage", .newStage),
            ("kindChanged", .kindChanged(from: "train", to: "prune")),
            ("versionChanged", .versionChanged(kind: "train", from: 1, to: 2)),
            ("paramsChanged (one)", .paramsChanged(Array(changes.prefix(1)))),
            ("paramsChanged (four)", .paramsChanged(changes)),
            ("seedChanged", .seedChanged(from: 41, to: 42)),
            ("inputFileChanged", .inputFileChanged(path: "data/cube.npy")),
            ("upstreamChanged", .upstreamChanged(train)),
            ("failedLastRun", .failedLastRun),
            ("skippedLastRun", .skippedLastRun),
            ("notInCache", .notInCache),
            ("outputMissing", .outputMissing(name: "model")),
            ("upstreamReruns", .upstreamReruns(b)),
            ("forced", .forced),
            ("unchanged", .unchanged),
            ("restored (no change)", .restored(from: nil)),
            ("restored (params)", .restored(from: .paramsChanged(Array(changes.prefix(1))))),
            ("earlyCutoff", .earlyCutoff),
            ("computedByAnotherRun", .computedByAnotherRun),
            ("corruptOutput", .corruptOutput(name: "cube")),
            ("recordVanished", .recordVanished),
            ("notSelected", .notSelected),
            ("upstreamFailed", .upstreamFailed(b)),
            ("upstreamSkipped", .upstreamSkipped(b)),
            ("upstreamDidNotRun", .upstreamDidNotRun(b)),
            ("stoppedAfter", .stoppedAfter(b)),
            ("lockBusy", .lockBusy(holder: "pid 12 on host (hsiflow run a.yaml, stage b)")),
            ("unknownKind", .unknownKind),
            ("notInPlan", .notInPlan),
            ("recorded", .recorded("new stage")),
        ]
        let text = reasons.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        if let mismatch = snapshotMismatch(text, named: "reasons.txt") { Issue.record(Comment(rawValue: mismatch)) }
    }

    private let chain = """
    name: chain
    stages:
      a: {kind: fake, value: 1}
      b: {kind: fake, needs: a, value: 2}
      c: {kind: fake, needs: b, value: 3}
    """

    @Test func onAnEmptyCacheThePlanSaysOnlyNotInCache() throws {
        let log = ExecutionLog()
        let first = EngineHarness(registry: fakeRegistry(log))
        let run = try first.run(chain)
        // The same results folder (previous manifest) over a fresh cache.
        let wiped = EngineHarness(registry: fakeRegistry(log))
        let (prepared, _) = try wiped.plan(chain)
        let plan = wiped.pipeline.plan(prepared, previous: run.manifest, options: PlanOptions())
        #expect(plan.steps.map(\.reason) == [.notInCache, .notInCache, .notInCache])
        #expect(plan.steps.map(\.action) == [.run, .run, .run])
        // And the run over it says so too: the inputs came out identical, nothing "changed".
        let result = wiped.pipeline.run(prepared, plan: plan, options: RunOptions(threadsPerJob: 1), observer: nil,
                                        toolVersion: "test").result
        #expect(result.outcomes.map(\.reason) == [.notInCache, .notInCache, .notInCache])
        #expect(result.outcomes.map(\.status) == [.ran, .ran, .ran])
    }

    @Test func aRerunUpstreamPlansItsDependentsAsProbablyReusedAndTheRunCutsThemOff() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain)
        log.reset()
        let run = try h.run(chain, force: ["a"])
        #expect(run.plan.step(StageID(name: "a"))?.reason == .forced)
        #expect(run.plan.step(StageID(name: "b"))?.reason == .upstreamReruns(StageID(name: "a")))
        #expect(run.plan.step(StageID(name: "c"))?.reason == .upstreamReruns(StageID(name: "b")))
        #expect(run.result.outcomes.map(\.reason) == [.forced, .earlyCutoff, .earlyCutoff])
        #expect(log.executions == ["a": 1])
    }

    @Test func aRealUpstreamChangeIsNamedInThePlanAndTheRun() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        try h.run(chain)
        let run = try h.run(chain, overrides: ["stages.a.value=9"])
        #expect(run.plan.steps.map(\.reason) == [.paramsChanged([ParamValue.Change(path: "value", old: .int(1), new: .int(9))]),
                                                 .upstreamChanged(StageID(name: "a")), .upstreamChanged(StageID(name: "b"))])
        #expect(run.result.outcomes.map(\.status) == [.ran, .ran, .ran])
        #expect(run.result.outcomes.map(\.reason) == run.plan.steps.map(\.reason))
    }

    @Test func theRunnerSettlesAPlannedStepOnceItsKeyIsKnown() {
        let runner = Runner(registry: StageRegistry([]), store: MemoryStore())
        let a = StageID(name: "a")
        let record = StageRecord(key: "k", stage: "b", kind: "fake", outputs: [:], metrics: [:], seconds: 0)
        func settled(_ step: Plan.Step, key: String = "k", cached: StageRecord?) -> String {
            switch runner.settle(step, key: key, cached: cached) {
            case .reuse(_, let reason): return "reuse: \(reason)"
            case .compute(let reason): return "compute: \(reason)"
            }
        }
        let pending = { (reason: Reason, previousKey: String?) in
            Plan.Step(id: StageID(name: "b"), kind: "fake", action: .run, reason: reason, previousKey: previousKey)
        }
        #expect(settled(pending(.upstreamReruns(a), "k"), cached: record) == "reuse: \(Reason.earlyCutoff)")
        #expect(settled(pending(.upstreamChanged(a), "old"), cached: record) == "reuse: \(Reason.earlyCutoff)")
        let own = Reason.paramsChanged([ParamValue.Change(path: "value", old: .int(1), new: .int(2))])
        #expect(settled(pending(own, "old"), cached: record) == "reuse: \(Reason.restored(from: own))")
        // Not cached: the previous key means nothing changed; another key means the input did.
        #expect(settled(pending(.upstreamReruns(a), "k"), cached: nil) == "compute: \(Reason.notInCache)")
        #expect(settled(pending(.upstreamChanged(a), "k"), cached: nil) == "compute: \(Reason.notInCache)")
        #expect(settled(pending(.upstreamReruns(a), "old"), cached: nil) == "compute: \(Reason.upstreamChanged(a))")
        #expect(settled(pending(own, "old"), cached: nil) == "compute: \(own)")
        #expect(settled(pending(.failedLastRun, "k"), cached: nil) == "compute: \(Reason.failedLastRun)")
        let reuse = Plan.Step(id: StageID(name: "b"), kind: "fake", action: .reuse, reason: .unchanged, key: "k", record: record)
        #expect(settled(reuse, cached: record) == "reuse: unchanged")
        #expect(settled(reuse, cached: nil) == "compute: \(Reason.recordVanished)")
    }
}
