// StageResourcesTests: `resources:` in a stage and `executor:` at the top are validated like every
// other key (unknown keys with did-you-mean, malformed sizes and time limits, bad choices), take
// their kind's defaults, never change a stage's key, and locally `cpus` shares the cores out.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private func load(_ yaml: String) throws -> ExperimentSpec {
    try ExperimentLoader(registry: fakeRegistry(ExecutionLog()), baseDirectory: URL(fileURLWithPath: "/nonexistent-base"))
        .load(text: yaml, path: "exp.yaml")
}

private func problems(_ yaml: String) -> [String] {
    do {
        _ = try load(yaml)
        return []
    } catch {
        guard let engineError = error as? EngineError, case .invalidExperiment(_, let problems) = engineError else { return ["\(error)"] }
        return problems.map(\.description)
    }
}

@Suite struct StageResourcesTests {
    @Test func resourcesTakeTheKindsDefaultsForWhatTheyLeaveOut() throws {
        let spec = try load("""
        name: r
        stages:
          a: {kind: fake}
          b: {kind: fake, resources: {cpus: 4, gres: "gpu:1"}}
        """)
        #expect(spec.stage(StageID(name: "a"))?.resources == ["cpus": 1, "memory": "1G", "time": "1:00:00"])
        #expect(spec.stage(StageID(name: "b"))?.resources == ["cpus": 4, "memory": "1G", "time": "1:00:00", "gres": "gpu:1"])
        let b = StageResources.resolved(spec.stage(StageID(name: "b"))?.resources ?? [:])
        #expect(b.cpus == 4 && b.gres == "gpu:1" && b.memory == "1G")
        // Resources are not parameters: they stay out of params, hence out of the key.
        #expect(spec.stage(StageID(name: "b"))?.params["resources"] == nil)
    }

    @Test func badResourcesAreReportedTogetherWithTheirPositions() {
        let found = problems("""
        name: r
        stages:
          a:
            kind: fake
            resources: {cpu: 2, memory: lots, time: "1:99"}
          b: {kind: fake, resources: 4}
        """)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.hasPrefix("exp.yaml:5:") && $0.contains("unknown key 'cpu' in resources of stage a (did you mean 'cpus'?)") }, "\(found)")
        #expect(found.contains { $0.contains("'lots' is not a memory size; write a whole number with K, M, G or T") }, "\(found)")
        #expect(found.contains { $0.contains("'1:99' is not a time limit") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("exp.yaml:6:") && $0.contains("resources of stage b must be a mapping") }, "\(found)")
    }

    @Test func theExecutorBlockIsValidatedAndResolved() throws {
        let spec = try load("""
        name: e
        executor: {kind: slurm, partition: debug, qos: short, sbatch-args: [--constraint=avx2]}
        stages:
          a: {kind: fake}
        """)
        let settings = ExecutorSettings.resolved(spec.executor)
        #expect(settings.kind == .slurm)
        #expect(settings.partition == "debug" && settings.qos == "short" && settings.account == nil)
        #expect(settings.sbatchArgs == ["--constraint=avx2"])
        #expect(ExecutorSettings.resolved(try load("name: l\nstages:\n  a: {kind: fake}\n").executor).kind == .local)

        let found = problems("""
        name: e
        executor: {kind: pbs, partiton: x}
        stages:
          a: {kind: fake}
        """)
        #expect(found.count == 2, "\(found)")
        #expect(found.contains { $0.contains("pbs") && $0.contains("local, slurm") }, "\(found)")
        #expect(found.contains { $0.contains("unknown key 'partiton' in executor (did you mean 'partition'?)") }, "\(found)")
    }

    @Test func changingResourcesKeepsEveryStageCached() throws {
        let h = EngineHarness(registry: fakeRegistry(ExecutionLog()))
        let first = try h.run("name: k\nstages:\n  a: {kind: fake}\n  b: {kind: fake, needs: a}\n")
        #expect(first.result.count(.ran) == 2)
        let second = try h.run("name: k\nstages:\n  a: {kind: fake, resources: {cpus: 8, memory: 64G}}\n  b: {kind: fake, needs: a, resources: {time: \"2-00:00:00\"}}\n")
        #expect(second.result.count(.cached) == 2)
    }

    @Test func locallyStagesWhoseCpusFillTheMachineRunOneAtATime() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        // cpus above the core count (and above --jobs) are capped: each such stage fills the machine.
        let run = try h.run("""
        name: c
        stages:
          a: {kind: fake, sleep: 0.05, value: 1, resources: {cpus: 4096}}
          b: {kind: fake, sleep: 0.05, value: 2, resources: {cpus: 4096}}
          c: {kind: fake, sleep: 0.05, value: 3, resources: {cpus: 4096}}
        """, jobs: 3)
        #expect(run.result.count(.ran) == 3)
        #expect(log.maxConcurrent == 1)
    }
}
