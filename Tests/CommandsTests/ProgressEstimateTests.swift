// ProgressEstimateTests: remaining time per stage (measured rate blended with the previous run)
// and for the run (the waiting stages replayed on the workers in dependency order), and the
// expected seconds RunProgress takes from the previous manifest through the real planner.
import ExperimentStages
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport
@testable import Commands

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private func id(_ text: String) -> StageID { StageID(name: text) }

@Suite struct ProgressEstimateTests {
    @Test func aStageWithoutAPreviousRunGoesByItsMeasuredRate() {
        var p = RunProgress(stages: [.init(id: id("a"), kind: "train")], jobs: 1, startedAt: t0)
        p.start(id("a"), at: t0)
        p.report(id("a"), fraction: 0.25, message: "")
        let r = ProgressEstimate(p, now: t0.addingTimeInterval(10)).remaining(p.stages[0])
        #expect(r == .init(seconds: 30, rough: false))
    }

    @Test func measuredRateAndPreviousRunAreWeightedByHowFarTheStageIs() {
        var p = RunProgress(stages: [.init(id: id("a"), kind: "train", expected: 20)], jobs: 1, startedAt: t0)
        p.start(id("a"), at: t0)
        p.report(id("a"), fraction: 0.25, message: "")
        // measured 30 s to go, previous run 10 s to go: 0.25 × 30 + 0.75 × 10.
        let r = ProgressEstimate(p, now: t0.addingTimeInterval(10)).remaining(p.stages[0])
        #expect(r == .init(seconds: 15, rough: false))
    }

    @Test func aReportWithoutFractionKeepsTheLastOne() {
        var p = RunProgress(stages: [.init(id: id("a"), kind: "train")], jobs: 1, startedAt: t0)
        p.start(id("a"), at: t0)
        p.report(id("a"), fraction: 0.9, message: "epoch 9/10")
        p.report(id("a"), fraction: nil, message: "predicting")
        #expect(p.stages[0].phase == .running(since: t0, fraction: 0.9, message: "predicting"))
    }

    @Test func theRunReplaysWaitingStagesOnTheWorkers() {
        // a (running, 4 s left) → c (6 s); b (waiting, 5 s) on the second worker → d (2 s) after both.
        var p = RunProgress(stages: [
            .init(id: id("a"), kind: "k", expected: 10),
            .init(id: id("b"), kind: "k", expected: 5),
            .init(id: id("c"), kind: "k", needs: [id("a")], expected: 6),
            .init(id: id("d"), kind: "k", needs: [id("b"), id("c")], expected: 2),
            .init(id: id("e"), kind: "k", planned: false),
        ], jobs: 2, startedAt: t0)
        p.start(id("a"), at: t0)
        let now = t0.addingTimeInterval(6)
        #expect(ProgressEstimate(p, now: now).run() == .init(seconds: 12, rough: false))
        // On one worker b waits for a: 4 + 5 + 6 + 2.
        let serial = RunProgress(stages: p.stages, jobs: 1, startedAt: t0)
        #expect(ProgressEstimate(serial, now: now).run() == .init(seconds: 17, rough: false))
    }

    @Test func aKindNeverSeenIsGuessedFromOtherStagesAndMarkedRough() {
        var p = RunProgress(stages: [.init(id: id("a"), kind: "load"), .init(id: id("b"), kind: "prune", needs: [id("a")])],
                            jobs: 1, startedAt: t0)
        #expect(ProgressEstimate(p, now: t0).run() == nil)
        p.finish(id("a"), status: .ran, seconds: 3)
        #expect(ProgressEstimate(p, now: t0).run() == .init(seconds: 3, rough: true))
    }

    @Test func expectedSecondsComeFromThePreviousManifest() throws {
        let yaml = "name: e\nstages:\n  a: {kind: sleep, seconds: 0.05}\n  b: {kind: sleep, needs: a, seconds: 0.05}\n"
        let harness = EngineHarness(registry: StandardStages.registry(includingTestUtilities: true))
        let (prepared0, plan0) = try harness.plan(yaml)
        #expect(RunProgress(plan: plan0, graph: prepared0.graph, previous: nil, jobs: 1, startedAt: t0).stages.allSatisfy { $0.expected == nil })
        let first = try harness.run(yaml)
        let (prepared, plan) = try harness.plan(yaml, force: ["b"])
        let progress = RunProgress(plan: plan, graph: prepared.graph, previous: harness.previous, jobs: 1, startedAt: t0)
        #expect(progress.stage(id("b"))?.planned == true && progress.stage(id("a"))?.planned == false)
        #expect(progress.stage(id("b"))?.expected == first.manifest.stages.first { $0.id == "b" }?.seconds)
        #expect(progress.stage(id("b"))?.needs == [id("a")])
    }
}
