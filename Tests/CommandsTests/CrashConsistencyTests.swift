// CrashConsistencyTests: the reduced form of scripts/crash-test.sh — SIGKILL `hsiflow run` at
// a few moments, then check: no corrupt object, the lock is free, the next run completes and
// reuses every stage that had finished. The script runs 25 trials.
import Foundation
import PipelineModel
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

private let crashExperiment = """
name: crash
matrix:
  k: [1, 2, 3]
stages:
  root: {kind: sleep, seconds: 0.05, bytes: 2000000}
  mid: {kind: sleep, needs: root, seconds: 0.08, value: "${k}", bytes: 1000000}
  side: {kind: sleep, seconds: 0.1, value: side, bytes: 2000000}

"""

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct CrashConsistencyTests {
    private struct PlanRow: Decodable { let id: String; let action: String }

    @Test(arguments: [0.05, 0.2, 0.35])
    func aRunKilledMidwayIsFollowedByARunThatCompletesAndReusesFinishedStages(_ delay: Double) throws {
        let dir = try makeTemporaryDirectory("hsiflow-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        try crashExperiment.write(to: dir.appendingPathComponent("crash.yaml"), atomically: true, encoding: .utf8)
        let process = try startHsiflow(["run", "crash.yaml", "--jobs", "2", "--quiet"], in: dir)
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let plan = try runHsiflow(["plan", "crash.yaml", "--json"], in: dir)
        #expect(plan.status == 0, "\(plan.stderr)")
        let finished = try JSONDecoder().decode([PlanRow].self, from: Data(plan.stdout.utf8)).filter { $0.action == "reuse" }.map(\.id)

        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.stdout.contains(" 0 corrupt"), "\(verify.stdout)")

        let rerun = try runHsiflow(["run", "crash.yaml", "--no-wait", "--json"], in: dir)
        #expect(rerun.status == 0, "the run after the kill failed: \(rerun.stderr)")
        let manifest = try Manifest.decode(Data(rerun.stdout.utf8), source: "stdout")
        for id in finished { #expect(manifest.stage(id)?.status == .cached, "\(id) had finished but was not reused") }
        #expect(manifest.stages.allSatisfy { ($0.status == .ran || $0.status == .cached) && !$0.reason.contains("corrupt") })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(".hsiflow/cache/tmp").path)
        #expect(leftovers.isEmpty)
    }
}
