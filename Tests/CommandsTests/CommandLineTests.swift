// CommandLineTests: the built `hsiflow` binary end to end — run, no-op rerun, plan, validate
// (exit 2 with every problem), graph, diff with --exit-code, stage run, cache verify/du/gc,
// and a flipped byte on disk recomputed by the next run.
import Foundation
import PipelineModel
import Testing
import TestSupport

private let experiment = """
name: cli
seed: 5
matrix:
  v: [1, 2]
stages:
  first: {kind: sleep, value: start}
  second: {kind: sleep, needs: first, value: "${v}", bytes: 2000}
  third: {kind: sleep, needs: second}

"""

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct CommandLineTests {
    private func workspace() throws -> URL {
        let dir = try makeTemporaryDirectory("hsiflow-cli")
        try experiment.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    private func manifest(_ dir: URL, _ path: String = "results/cli/manifest.json") throws -> Manifest {
        try Manifest.decode(try Data(contentsOf: dir.appendingPathComponent(path)), source: path)
    }

    @Test func runThenNoOpRerunThenEditedRerun() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try runHsiflow(["run", "exp.yaml", "--jobs", "2"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("5 ran, 0 cached, 0 failed, 0 skipped"))
        let m1 = try manifest(dir)
        #expect(m1.stages.map(\.id) == ["first", "second[v=1]", "second[v=2]", "third[v=1]", "third[v=2]"])
        #expect(m1.stages.allSatisfy { $0.status == .ran && $0.reason == "new stage" })
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".hsiflow/cache/objects").path))

        let again = try runHsiflow(["run", "exp.yaml"], in: dir)
        #expect(again.status == 0)
        #expect(again.stdout.contains("0 ran, 5 cached"))

        let plan = try runHsiflow(["plan", "exp.yaml", "--set", "stages.first.value=other"], in: dir)
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("params.value start → other"))
        #expect(plan.stdout.contains("5 to run, 0 cached"))

        let edited = try runHsiflow(["run", "exp.yaml", "--set", "stages.first.value=other", "--quiet"], in: dir)
        #expect(edited.status == 0 && edited.stdout.isEmpty)
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("results/cli/runs").path)
        #expect(runs.count == 3)

        // Diff of the first and the latest run: parameters and artifacts changed.
        let firstRun = "results/cli/runs/\(m1.runID)/manifest.json"
        let diff = try runHsiflow(["diff", firstRun, "results/cli"], in: dir)
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("first   value   start  other") || diff.stdout.contains("value"))
        let strict = try runHsiflow(["diff", firstRun, "results/cli", "--exit-code", "--json"], in: dir)
        #expect(strict.status == 1)
        let decoded = try JSONDecoder().decode(ManifestDiff.self, from: Data(strict.stdout.utf8))
        #expect(decoded.params.contains { $0.stage == "first" && $0.path == "value" && $0.new == "other" })
        let same = try runHsiflow(["diff", firstRun, firstRun, "--exit-code"], in: dir)
        #expect(same.status == 0 && same.stdout.contains("no differences"))
    }

    @Test func validateReportsEveryProblemAndExitsTwo() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: bad\nstages:\n  a: {kind: slep}\n  b: {kind: sleep, needs: aa, secnds: 1}\n"
            .write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try runHsiflow(["validate", "bad.yaml"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml:3:13: stage a has unknown kind 'slep' (did you mean 'sleep'?)"))
        #expect(result.stderr.contains("bad.yaml:4:27: stage b needs 'aa'"))
        #expect(result.stderr.contains("unknown key 'secnds' in stage b (did you mean 'seconds'?)"))
        let ok = try runHsiflow(["validate", "exp.yaml"], in: dir)
        #expect(ok.status == 0 && ok.stdout.contains("3 stages, 5 instances"))
        // Nothing runs when the file is invalid.
        let run = try runHsiflow(["run", "bad.yaml"], in: dir)
        #expect(run.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/bad").path))
        let missing = try runHsiflow(["run", "nothere.yaml"], in: dir)
        #expect(missing.status == 2 && missing.stderr.contains("nothere.yaml"))
    }

    @Test func aFailingStageExitsOneAndKeepGoingRunsTheRest() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: f\nstages:\n  bad: {kind: sleep, fail: true}\n  after: {kind: sleep, needs: bad}\n  other: {kind: sleep}\n"
            .write(to: dir.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
        let result = try runHsiflow(["run", "f.yaml", "--keep-going"], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad: stage bad failed: failed on purpose"))
        let m = try manifest(dir, "results/f/manifest.json")
        #expect(m.stages.map(\.status) == [.failed, .skipped, .ran])
    }

    @Test func stageRunGraphAndCacheCommands() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let early = try runHsiflow(["stage", "run", "exp.yaml", "third[v=1]"], in: dir)
        #expect(early.status == 2 && early.stderr.contains("needs first"))
        for id in ["first", "second[v=1]", "third[v=1]"] {
            let r = try runHsiflow(["stage", "run", "exp.yaml", id], in: dir)
            #expect(r.status == 0 && r.stdout.contains("\(id): ran"), "\(r.stderr)")
        }
        let run = try runHsiflow(["run", "exp.yaml"], in: dir)
        #expect(run.stdout.contains("2 ran, 3 cached"))

        let graph = try runHsiflow(["graph", "exp.yaml", "--format", "mermaid"], in: dir)
        #expect(graph.status == 0 && graph.stdout.hasPrefix("flowchart LR"))

        // Flip a byte of the biggest object: verify finds it, the next run recomputes only its stage.
        let m = try manifest(dir)
        let second = try #require(m.stages.first { $0.id == "second[v=2]" }?.outputs.first)
        let objectPath = dir.appendingPathComponent(".hsiflow/cache").appendingPathComponent(second.path)
        var bytes = try Data(contentsOf: objectPath)
        bytes[100] ^= 0x20
        try bytes.write(to: objectPath)
        let rerun = try runHsiflow(["run", "exp.yaml", "--json"], in: dir)
        #expect(rerun.status == 0)
        let after = try Manifest.decode(Data(rerun.stdout.utf8), source: "stdout")
        #expect(after.stage("second[v=2]")?.status == .ran)
        #expect(after.stage("second[v=2]")?.reason.contains("corrupt") == true)
        #expect(after.stage("third[v=2]")?.status == .cached)
        #expect(after.summary.ran == 1)

        bytes = try Data(contentsOf: objectPath)
        bytes[0] ^= 0x01
        try bytes.write(to: objectPath)
        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains("1 corrupt (dropped)"))
        let du = try runHsiflow(["cache", "du"], in: dir)
        #expect(du.status == 0 && du.stdout.contains("sleep"))
        let gc = try runHsiflow(["cache", "gc"], in: dir)
        #expect(gc.status == 0 && gc.stdout.contains("removed"))
        // An edited run makes the old keys garbage once only the newest run is kept.
        _ = try runHsiflow(["run", "exp.yaml", "--set", "stages.first.value=edited", "--quiet"], in: dir)
        let kept = try runHsiflow(["cache", "gc", "--keep-runs", "1", "--dry-run"], in: dir)
        // 5 old records, less the one `cache verify` dropped with its corrupt object.
        #expect(kept.stdout.contains("would remove 4 records"), "\(kept.stdout)")
        let current = try runHsiflow(["run", "exp.yaml", "--set", "stages.first.value=edited"], in: dir)
        #expect(current.stdout.contains("0 ran, 5 cached"))
    }
}

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct CacheLockCommandLineTests {
    @Test func aSecondRunWaitsForAStageAnotherRunComputesOrFailsSayingWhoHoldsIt() throws {
        let dir = try makeTemporaryDirectory("hsiflow-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: slow\nstages:\n  wait: {kind: sleep, seconds: 1.5}\n".write(to: dir.appendingPathComponent("slow.yaml"), atomically: true, encoding: .utf8)
        let first = try startHsiflow(["run", "slow.yaml", "--quiet"], in: dir)
        // Give the first run time to take the stage's lock (a file under locks/ naming its holder).
        let locks = dir.appendingPathComponent(".hsiflow/cache/locks")
        func holderWritten() -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: locks.path)) ?? []
            return names.contains { ((try? String(contentsOf: locks.appendingPathComponent($0), encoding: .utf8)) ?? "").contains("pid") }
        }
        for _ in 0..<250 where !holderWritten() { Thread.sleep(forTimeInterval: 0.02) }
        let refused = try runHsiflow(["run", "slow.yaml", "--no-wait"], in: dir)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is locked by pid \(first.processIdentifier)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("hsiflow run slow.yaml"))
        let waited = try runHsiflow(["run", "slow.yaml"], in: dir)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(waited.status == 0)
        #expect(waited.stderr.contains("waiting for pid \(first.processIdentifier)"), "\(waited.stderr)")
        // The waiting run saw the first run's results and reused them.
        #expect(waited.stdout.contains("0 ran, 1 cached"), "\(waited.stdout)")
    }
}
