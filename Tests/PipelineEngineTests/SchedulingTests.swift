// SchedulingTests: locally, a ready stage starts whenever a core is free (holding its cpus or the
// cores still free), so no core idles while stages wait; ready stages start longest remaining
// path first, from the seconds the previous run recorded.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct SchedulingTests {
    /// Plans `yaml` and runs it on `cores` cores with `jobs` workers and the given expected seconds.
    private func run(_ yaml: String, log: ExecutionLog, jobs: Int, cores: Int,
                     expected: [String: Double] = [:]) throws -> RunResult {
        let h = EngineHarness(registry: fakeRegistry(log))
        let (prepared, plan) = try h.plan(yaml)
        var options = RunOptions(jobs: jobs, threads: ThreadPolicy(fixed: 1, cores: cores), baseDirectory: h.baseDirectory)
        options.expectedSeconds = Dictionary(expected.map { (StageID(name: $0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        return h.pipeline.run(prepared, plan: plan, options: options, observer: nil, toolVersion: "test").result
    }

    @Test func aStageAskingForMoreCpusThanAreFreeStartsOnTheFreeCore() throws {
        let log = ExecutionLog()
        // On 2 cores, `one` holds 1; `two` asks for 2 and must still start beside it (the two
        // meet, which proves they overlap), not wait for `one` to end with a core idle.
        let result = try run("""
        name: free-core
        stages:
          one: {kind: fake, value: 1, meet: both, meet-count: 2, resources: {cpus: 1}}
          two: {kind: fake, value: 2, meet: both, meet-count: 2, resources: {cpus: 2}}
        """, log: log, jobs: 2, cores: 2)
        #expect(result.count(.ran) == 2)
        #expect(log.missedMeetings.isEmpty, "stages that never overlapped: \(log.missedMeetings)")
        #expect(log.maxConcurrent == 2)
    }

    @Test func aStageHoldingEveryCoreRunsAlone() throws {
        let log = ExecutionLog()
        let result = try run("""
        name: whole
        stages:
          big: {kind: fake, value: 1, sleep: 0.05, resources: {cpus: 2}}
          small1: {kind: fake, value: 2, sleep: 0.05, resources: {cpus: 1}}
          small2: {kind: fake, value: 3, sleep: 0.05, resources: {cpus: 1}}
        """, log: log, jobs: 2, cores: 2)
        #expect(result.count(.ran) == 3)
        let history = log.history
        let big = try #require(history.first { $0.stage == "big" })
        // `big` comes first in file order and holds both cores: nothing overlaps it.
        for other in history where other.stage != "big" {
            #expect(other.started > big.ended || other.ended < big.started, "\(other.stage) overlapped big")
        }
    }

    @Test func readyStagesStartLongestRemainingPathFirst() throws {
        let log = ExecutionLog()
        // File (dependency) order is short, head, tail; head → tail is the longer path, so with
        // one worker head runs first, then tail (5 s to go) before short (1 s).
        let yaml = """
        name: critical
        stages:
          short: {kind: fake, value: 1}
          head: {kind: fake, value: 2}
          tail: {kind: fake, value: 3, needs: head}
        """
        let result = try run(yaml, log: log, jobs: 1, cores: 1, expected: ["short": 1, "head": 5, "tail": 5])
        #expect(result.count(.ran) == 3)
        #expect(log.history.map(\.stage) == ["head", "tail", "short"])
        // Without expectations every stage counts 1 s: the two-stage path still goes first, then
        // short and tail (1 s each) in file order.
        let plain = ExecutionLog()
        _ = try run(yaml, log: plain, jobs: 1, cores: 1)
        #expect(plain.history.map(\.stage) == ["head", "short", "tail"])
        // Equal paths keep file order.
        let even = ExecutionLog()
        _ = try run(yaml, log: even, jobs: 1, cores: 1, expected: ["short": 10, "head": 5, "tail": 5])
        #expect(even.history.map(\.stage) == ["short", "head", "tail"])
    }

    @Test func expectedSecondsComeFromThePreviousRun() throws {
        let h = EngineHarness(registry: fakeRegistry(ExecutionLog()))
        let first = """
        name: expect
        stages:
          a: {kind: fake, value: 1, sleep: 0.02}
          b: {kind: fake, value: 2, sleep: 0.04, needs: a}
        """
        try h.run(first)
        let previous = try #require(h.previous)
        let recorded = Dictionary(previous.stages.map { ($0.id, $0.seconds) }, uniquingKeysWith: { a, _ in a })
        // b changes (it reruns: its own seconds), c is new (the mean of its kind's), a is reused (0).
        let (_, plan) = try h.plan("""
        name: expect
        stages:
          a: {kind: fake, value: 1, sleep: 0.02}
          b: {kind: fake, value: 20, sleep: 0.04, needs: a}
          c: {kind: fake, value: 3, needs: b}
        """)
        let expected = Runner.expectedSeconds(plan: plan, previous: previous)
        let a = try #require(recorded["a"]), b = try #require(recorded["b"])
        #expect(expected[StageID(name: "a")] == 0)
        #expect(expected[StageID(name: "b")] == b)
        #expect(abs((expected[StageID(name: "c")] ?? 0) - (a + b) / 2) < 1e-12)
        // With no previous run, every stage the plan runs counts 1 s.
        let fresh = Runner.expectedSeconds(plan: plan, previous: nil)
        #expect(fresh[StageID(name: "b")] == 1 && fresh[StageID(name: "c")] == 1)
    }
}
