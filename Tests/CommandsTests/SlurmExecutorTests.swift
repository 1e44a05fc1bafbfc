// SlurmExecutorTests: `hsiflow run --executor slurm` against a real Slurm cluster (the single-node
// one of scripts/slurm-cluster): the quickstart gives the local executor's output hashes and a
// manifest with job ids, and a no-op rerun submits nothing; a failing stage's dependents are
// skipped with its log tail shown (and --keep-going finishes the independent branch); a job
// cancelled from outside fails the run without leaving half an entry; interrupting the
// coordinator cancels every job it submitted; --detach then `hsiflow status`; two coordinators
// of different experiments on one cache. Skipped, saying so, when no controller answers `sinfo`.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private let clusterReachable = SlurmCLI.reachable(timeout: 5)

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"),
       .enabled(if: clusterReachable, "needs a Slurm controller: sinfo reaches none (start one with scripts/slurm-cluster up)"),
       .serialized)
struct SlurmExecutorTests {
    private func write(_ text: String, _ name: String, in dir: URL) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    private func manifest(_ dir: URL, _ name: String) throws -> Manifest {
        let path = "results/\(name)/manifest.json"
        return try Manifest.decode(try Data(contentsOf: dir.appendingPathComponent(path)), source: path)
    }

    /// The Slurm run records under results/<name>/runs/.
    private func records(_ dir: URL, _ name: String) -> [SlurmRunRecord] {
        let runs = dir.appendingPathComponent("results/\(name)/runs")
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).sorted()
        return ids.compactMap { try? SlurmRunRecord.read(runs.appendingPathComponent($0).appendingPathComponent("slurm.json")) }
    }

    /// Runs a command line (squeue, scancel) and returns its standard output.
    private func shell(_ arguments: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Jobs among `ids` that are still pending or running.
    private func unfinished(_ ids: [String]) -> [String] {
        guard !ids.isEmpty else { return [] }
        return shell(["squeue", "-h", "-t", "PENDING,RUNNING,CONFIGURING,COMPLETING", "-j", ids.joined(separator: ","), "-o", "%i"])
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The id of the running job named `name`, waiting for it up to ~60 s (a loaded machine).
    private func runningJob(named name: String) -> String? {
        for _ in 0..<600 {
            let line = shell(["squeue", "-h", "-t", "RUNNING", "-n", name, "-o", "%i"]).trimmingCharacters(in: .whitespacesAndNewlines)
            if !line.isEmpty { return String(line.split(separator: "\n")[0]) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    /// Cancels whatever a test left behind.
    private func cleanUp(_ dir: URL, _ names: [String]) {
        let left = names.flatMap { records(dir, $0).flatMap(\.jobs) }
        if !left.isEmpty { _ = shell(["scancel"] + left) }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func theQuickstartThroughSlurmGivesTheLocalHashesAndANoOpRerunSubmitsNothing() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try makeTemporaryDirectory("hsiflow-slurm-quickstart")
        defer { cleanUp(dir, ["quickstart"]) }
        let text = try String(contentsOf: repo.appendingPathComponent("experiments/quickstart.yaml"), encoding: .utf8)
        try write(text, "quickstart.yaml", in: dir)
        let local = try runHsiflow(["run", "quickstart.yaml", "--quiet", "--cache", "local-cache", "--results", "local"], in: dir)
        #expect(local.status == 0, "\(local.stderr)")
        let slurm = try runHsiflow(["run", "quickstart.yaml", "--executor", "slurm", "--cache", "shared-cache"], in: dir)
        #expect(slurm.status == 0, "\(slurm.stdout)\n\(slurm.stderr)")
        let l = try Manifest.decode(try Data(contentsOf: dir.appendingPathComponent("local/quickstart/manifest.json")), source: "local")
        let s = try manifest(dir, "quickstart")
        #expect(s.stages.count == 5)
        for stage in s.stages {
            #expect(stage.status == .ran, "\(stage.id): \(stage.status) \(stage.error ?? "")")
            // Every stage ran as a job: its id, node and log are in the manifest, and the log exists.
            #expect(stage.job?.state == "COMPLETED" && stage.job?.node != nil, "\(stage.id): \(String(describing: stage.job))")
            if let log = stage.job?.log {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/quickstart").appendingPathComponent(log).path))
                #expect(log.hasSuffix("logs/\(stage.id).log"))
            }
            // The same keys and the same output bytes as the local executor.
            #expect(stage.key == l.stage(stage.id)?.key, "\(stage.id)")
            #expect(stage.outputs.map(\.sha256) == l.stage(stage.id)?.outputs.map(\.sha256), "\(stage.id)")
        }
        #expect(s.stages.compactMap(\.job?.id).count == Set(s.stages.compactMap(\.job?.id)).count)

        let again = try runHsiflow(["run", "quickstart.yaml", "--executor", "slurm", "--cache", "shared-cache"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("submitted 0 jobs"), "\(again.stderr)")
        #expect(again.stdout.contains("0 ran, 5 cached"), "\(again.stdout)")
        #expect(try manifest(dir, "quickstart").stages.allSatisfy { $0.status == .cached && $0.job == nil })
    }

    private let branches = """
    name: branches
    stages:
      bad: {kind: sleep, seconds: 0.2, fail: true}
      after: {kind: sleep, needs: bad, value: 1}
      later: {kind: sleep, needs: after, value: 2}
      other: {kind: sleep, seconds: 2, value: 3}

    """

    @Test func aFailedStageSkipsItsDependentsShowsItsLogAndKeepGoingFinishesTheOtherBranch() throws {
        let dir = try makeTemporaryDirectory("hsiflow-slurm-fail")
        defer { cleanUp(dir, ["branches"]) }
        try write(branches, "branches.yaml", in: dir)
        let stopped = try runHsiflow(["run", "branches.yaml", "--executor", "slurm"], in: dir)
        #expect(stopped.status == 1, "\(stopped.stdout)\n\(stopped.stderr)")
        // The failure names the job and shows the tail of its log, where the stage said why.
        #expect(stopped.stderr.contains("failed on purpose") && stopped.stderr.contains("last lines of the log"), "\(stopped.stderr)")
        let m = try manifest(dir, "branches")
        #expect(m.stage("bad")?.status == .failed)
        #expect(m.stage("bad")?.job?.state == "FAILED")
        #expect(m.stage("after")?.status == .skipped && m.stage("after")?.reason == "needs bad, which failed")
        #expect(m.stage("later")?.status == .skipped && m.stage("later")?.reason == "needs after, which was skipped")

        let going = try runHsiflow(["run", "branches.yaml", "--executor", "slurm", "--keep-going"], in: dir)
        #expect(going.status == 1, "\(going.stdout)\n\(going.stderr)")
        let k = try manifest(dir, "branches")
        #expect(k.stage("bad")?.status == .failed)
        #expect(k.stage("after")?.status == .skipped && k.stage("later")?.status == .skipped)
        // Slurm cancelled the dependents itself (--kill-on-invalid-dep=yes): they never ran.
        #expect(k.stage("after")?.job?.state == "CANCELLED")
        let other = k.stage("other")
        #expect(other?.status == .ran || other?.status == .cached, "\(String(describing: other))")
        #expect(k.stage("other")?.outputs.isEmpty == false)
    }

    @Test func aJobCancelledFromOutsideFailsTheRunLeavesNoHalfEntryAndARerunCompletes() throws {
        let dir = try makeTemporaryDirectory("hsiflow-slurm-scancel")
        defer { cleanUp(dir, ["outside"]) }
        try write("""
        name: outside
        stages:
          long: {kind: sleep, seconds: 6, value: 1, bytes: 200000}
          next: {kind: sleep, needs: long, value: 2}

        """, "outside.yaml", in: dir)
        let coordinator = try startHsiflow(["run", "outside.yaml", "--executor", "slurm"], in: dir,
                                           stderrFile: dir.appendingPathComponent("run.err"))
        let job = runningJob(named: "hsiflow:outside:long")
        #expect(job != nil)
        if let job { _ = shell(["scancel", job]) }
        coordinator.waitUntilExit()
        #expect(coordinator.terminationStatus == 1)
        let m = try manifest(dir, "outside")
        #expect(m.stage("long")?.status == .failed)
        #expect(m.stage("long")?.error?.contains("CANCELLED") == true, "\(String(describing: m.stage("long")?.error))")
        #expect(m.stage("next")?.status == .skipped)
        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains(" 0 corrupt"), "\(verify.stdout)")
        let rerun = try runHsiflow(["run", "outside.yaml", "--executor", "slurm"], in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try manifest(dir, "outside").stages.allSatisfy { $0.status == .ran })
    }

    @Test func interruptingTheCoordinatorCancelsEveryJobItSubmitted() throws {
        let dir = try makeTemporaryDirectory("hsiflow-slurm-interrupt")
        defer { cleanUp(dir, ["interrupted"]) }
        try write("""
        name: interrupted
        stages:
          first: {kind: sleep, seconds: 60, value: 1}
          second: {kind: sleep, needs: first, value: 2}
          aside: {kind: sleep, seconds: 60, value: 3}

        """, "interrupted.yaml", in: dir)
        let coordinator = try startHsiflow(["run", "interrupted.yaml", "--executor", "slurm"], in: dir,
                                           stderrFile: dir.appendingPathComponent("run.err"))
        #expect(runningJob(named: "hsiflow:interrupted:first") != nil)
        kill(coordinator.processIdentifier, SIGINT)
        coordinator.waitUntilExit()
        #expect(coordinator.terminationStatus == 130)
        let err = (try? String(contentsOf: dir.appendingPathComponent("run.err"), encoding: .utf8)) ?? ""
        #expect(err.contains("interrupted: cancelled"), "\(err)")
        let jobs = records(dir, "interrupted").flatMap(\.jobs)
        #expect(jobs.count == 3)
        var left = unfinished(jobs)
        for _ in 0..<100 where !left.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            left = unfinished(jobs)
        }
        #expect(left.isEmpty, "jobs left in the queue: \(left)")
    }

    @Test func aDetachedRunIsCollectedByStatus() throws {
        let dir = try makeTemporaryDirectory("hsiflow-slurm-detach")
        defer { cleanUp(dir, ["detached"]) }
        try write("""
        name: detached
        stages:
          a: {kind: sleep, seconds: 0.5, value: 1}
          b: {kind: sleep, needs: a, value: 2}

        """, "detached.yaml", in: dir)
        let submitted = try runHsiflow(["run", "detached.yaml", "--executor", "slurm", "--detach"], in: dir)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let runID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!runID.isEmpty)
        // Nothing collected yet: the detached coordinator wrote no manifest.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/detached/manifest.json").path))
        let status = try runHsiflow(["status", runID, "--wait"], in: dir)
        #expect(status.status == 0, "\(status.stdout)\n\(status.stderr)")
        #expect(status.stdout.contains("2 ran"), "\(status.stdout)")
        let m = try manifest(dir, "detached")
        #expect(m.runID == runID)
        #expect(m.stages.allSatisfy { $0.status == .ran && $0.job?.id != nil })
        let unknown = try runHsiflow(["status", "no-such-run"], in: dir)
        #expect(unknown.status == 2 && unknown.stderr.contains("no Slurm run 'no-such-run'"), "\(unknown.stderr)")
    }

    @Test func twoCoordinatorsOfDifferentExperimentsShareOneCache() throws {
        let dir = try makeTemporaryDirectory("hsiflow-slurm-two")
        defer { cleanUp(dir, ["exp-a", "exp-b"]) }
        for (name, own) in [("exp-a", "a"), ("exp-b", "b")] {
            try write("""
            name: \(name)
            stages:
              shared: {kind: sleep, seconds: 2, value: common, bytes: 100000}
              own: {kind: sleep, needs: shared, value: \(own)}

            """, "\(name).yaml", in: dir)
        }
        let a = try startHsiflow(["run", "exp-a.yaml", "--executor", "slurm"], in: dir, stderrFile: dir.appendingPathComponent("a.err"))
        let b = try startHsiflow(["run", "exp-b.yaml", "--executor", "slurm"], in: dir, stderrFile: dir.appendingPathComponent("b.err"))
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationStatus == 0, "\((try? String(contentsOf: dir.appendingPathComponent("a.err"), encoding: .utf8)) ?? "")")
        #expect(b.terminationStatus == 0, "\((try? String(contentsOf: dir.appendingPathComponent("b.err"), encoding: .utf8)) ?? "")")
        let ma = try manifest(dir, "exp-a"), mb = try manifest(dir, "exp-b")
        // The shared stage was computed once: the other job found it (after its lock) and reused it.
        let statuses = [ma.stage("shared")?.status, mb.stage("shared")?.status]
        #expect(statuses.filter { $0 == .ran }.count == 1 && statuses.filter { $0 == .cached }.count == 1, "\(statuses)")
        #expect(ma.stage("shared")?.outputs.map(\.sha256) == mb.stage("shared")?.outputs.map(\.sha256))
        #expect(ma.stage("own")?.status == .ran && mb.stage("own")?.status == .ran)
        let verify = try runHsiflow(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains(" 0 corrupt"), "\(verify.stdout)")
    }
}
