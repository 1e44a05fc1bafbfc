// SharedCacheTests: real `hsiflow` processes on one cache at once — two experiments that share a
// stage both finish and the stage is computed once (the other run waits for its lock and reuses
// it); a run killed with SIGKILL while computing a stage leaves no stale lock, so the run waiting
// for that stage computes it itself and finishes.
import Foundation
import PipelineModel
import Testing
import TestSupport

private func experiment(_ name: String, seconds: Double, own: String) -> String {
    """
    name: \(name)
    stages:
      shared: {kind: sleep, seconds: \(seconds), value: common, bytes: 100000}
      own: {kind: sleep, needs: shared, value: \(own)}

    """
}

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct SharedCacheTests {
    /// Starts `hsiflow` with its standard error going to `stderrFile` (read while it runs).
    private func launch(_ arguments: [String], in dir: URL, stderrFile: String) throws -> Process {
        try startHsiflow(arguments, in: dir, stderrFile: dir.appendingPathComponent(stderrFile))
    }

    /// Polls until `condition` holds (up to ~20 s, for a loaded machine); the test then checks outcomes, not times.
    private func waitUntil(_ condition: () -> Bool) {
        for _ in 0..<1000 where !condition() { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// True once some stage lock under the cache names process `pid` as its holder.
    private func holdsAStageLock(_ pid: Int32, in dir: URL) -> Bool {
        let locks = dir.appendingPathComponent(".hsiflow/cache/locks")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: locks.path)) ?? []
        return names.contains { name in
            ((try? String(contentsOf: locks.appendingPathComponent(name), encoding: .utf8)) ?? "").hasPrefix("pid \(pid) ")
        }
    }

    private func manifest(_ dir: URL, _ name: String) throws -> Manifest {
        let path = "results/\(name)/manifest.json"
        return try Manifest.decode(try Data(contentsOf: dir.appendingPathComponent(path)), source: path)
    }

    @Test func twoExperimentsOnOneCacheAtOnceComputeTheirSharedStageOnce() throws {
        let dir = try makeTemporaryDirectory("hsiflow-shared")
        defer { try? FileManager.default.removeItem(at: dir) }
        try experiment("exp-a", seconds: 2, own: "a").write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try experiment("exp-b", seconds: 2, own: "b").write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let a = try launch(["run", "a.yaml", "--quiet"], in: dir, stderrFile: "a.err")
        waitUntil { holdsAStageLock(a.processIdentifier, in: dir) }
        let b = try launch(["run", "b.yaml"], in: dir, stderrFile: "b.err")
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationStatus == 0)
        #expect(b.terminationStatus == 0, "\((try? String(contentsOf: dir.appendingPathComponent("b.err"), encoding: .utf8)) ?? "")")
        let ma = try manifest(dir, "exp-a"), mb = try manifest(dir, "exp-b")
        guard let sa = ma.stage("shared"), let sb = mb.stage("shared") else {
            Issue.record("a manifest lacks the shared stage")
            return
        }
        // One computed it; the other reused it (waiting for the lock, or finding it done).
        #expect([sa.status, sb.status].filter { $0 == .ran }.count == 1)
        #expect([sa.status, sb.status].filter { $0 == .cached }.count == 1)
        #expect(sa.key == sb.key)
        #expect(sa.outputs.map(\.sha256) == sb.outputs.map(\.sha256))
        #expect(ma.stage("own")?.status == .ran && mb.stage("own")?.status == .ran)
        #expect(ma.stage("own")?.key != mb.stage("own")?.key)
        // Both wrote whole, uncorrupted entries.
        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains(" 0 corrupt"), "\(verify.stdout)")
        let again = try runHsiflow(["run", "b.yaml"], in: dir)
        #expect(again.stdout.contains("0 ran, 2 cached"), "\(again.stdout)")
    }

    @Test func aRunKilledWhileComputingAStageLeavesNoLockAndTheWaitingRunComputesIt() throws {
        let dir = try makeTemporaryDirectory("hsiflow-killed")
        defer { try? FileManager.default.removeItem(at: dir) }
        try experiment("exp-a", seconds: 5, own: "a").write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try experiment("exp-b", seconds: 5, own: "b").write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let a = try launch(["run", "a.yaml", "--quiet"], in: dir, stderrFile: "a.err")
        waitUntil { holdsAStageLock(a.processIdentifier, in: dir) }
        #expect(holdsAStageLock(a.processIdentifier, in: dir))
        let b = try launch(["run", "b.yaml"], in: dir, stderrFile: "b.err")
        let bErr = dir.appendingPathComponent("b.err")
        waitUntil { ((try? String(contentsOf: bErr, encoding: .utf8)) ?? "").contains("waiting for pid \(a.processIdentifier)") }
        #expect(((try? String(contentsOf: bErr, encoding: .utf8)) ?? "").contains("waiting for pid \(a.processIdentifier)"))
        kill(a.processIdentifier, SIGKILL)
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationReason == .uncaughtSignal)
        #expect(b.terminationStatus == 0, "\((try? String(contentsOf: bErr, encoding: .utf8)) ?? "")")
        let mb = try manifest(dir, "exp-b")
        // The killed run never recorded the stage, so the waiting run computed it.
        #expect(mb.stage("shared")?.status == .ran)
        #expect(mb.stage("own")?.status == .ran)
        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains(" 0 corrupt"), "\(verify.stdout)")
        // The killed experiment reruns, reusing the shared stage, without waiting for anything.
        let rerun = try runHsiflow(["run", "a.yaml", "--no-wait"], in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("1 ran, 1 cached"), "\(rerun.stdout)")
    }

    @Test func planOverAnEmptyCacheSaysOnlyNotInCacheAndTheRunAgrees() throws {
        let dir = try makeTemporaryDirectory("hsiflow-empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        try experiment("exp-a", seconds: 0, own: "a").write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let first = try runHsiflow(["run", "a.yaml", "--quiet"], in: dir)
        #expect(first.status == 0)
        let plan = try runHsiflow(["plan", "a.yaml", "--cache", "EMPTY", "--json"], in: dir)
        #expect(plan.status == 0, "\(plan.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["action"] as? String == "run" && $0["reason"] as? String == "not in cache" }, "\(plan.stdout)")
        // After the wipe, the run's record says the same: its inputs came out identical.
        let wiped = try runHsiflow(["run", "a.yaml", "--cache", "EMPTY", "--json"], in: dir)
        #expect(wiped.status == 0, "\(wiped.stderr)")
        let manifest = try Manifest.decode(Data(wiped.stdout.utf8), source: "stdout")
        #expect(manifest.stages.map(\.reason) == ["not in cache", "not in cache"])
    }
}
