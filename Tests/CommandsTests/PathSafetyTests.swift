// PathSafetyTests: the hostile-path cases of issue 17 through the built binary. Links planted in
// the cache (object and record shards, tmp/), a results folder whose figures/ is a link, and a
// manifest whose outputs name `/../../../../pwn` and `../../../../etc/hostname`: every command
// exits as it should and nothing outside the cache or the results folder changes (a sentinel
// folder is fingerprinted before and after). Inputs that are FIFOs and experiment files that
// expand without bound fail validation fast with exit 2.
import FileSystem
import Foundation
import PipelineModel
import PipelineEngine
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

private let experiment = """
name: paths
seed: 41
stages:
  scene:
    kind: load
    cube: synthetic
    synthetic: {height: 16, width: 16, bands: 6, classes: 3}
    split: {method: stratified, train: 0.3}

"""

/// SHA-256 of every file under `root` (relative path and bytes), except below `excluded`.
private func fingerprint(_ root: URL, excluding excluded: [String] = []) throws -> [String: String] {
    var out: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return out }
    for case let relative as String in walker where !excluded.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) {
        let path = root.path + "/" + relative
        if ContainedPath.kind(path) == .regular { out[relative] = sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path))) }
        else if ContainedPath.kind(path) == .symbolicLink { out[relative] = "link" }
    }
    return out
}

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"))
struct PathSafetyTests {
    /// A working folder with the experiment, run once, and a sentinel folder beside it.
    private func setUp(_ name: String) throws -> (dir: URL, work: URL, sentinel: URL) {
        let dir = try makeTemporaryDirectory(name)
        let work = dir.appendingPathComponent("work", isDirectory: true)
        let sentinel = dir.appendingPathComponent("sentinel", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: sentinel.appendingPathComponent(String(repeating: "c", count: 62)))
        try Data("{}".utf8).write(to: sentinel.appendingPathComponent(String(repeating: "d", count: 62) + ".json"))
        try experiment.write(to: work.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        let run = try runHsiflow(["run", "exp.yaml", "--quiet"], in: work)
        #expect(run.status == 0, "\(run.stderr)")
        return (dir, work, sentinel)
    }

    private func link(_ path: URL, to target: URL) throws {
        try? FileManager.default.removeItem(at: path)
        try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: target.path)
    }

    @Test func gcAndVerifyNeverDeleteThroughALinkedShardAndVerifyRemovesTheLinks() throws {
        let (dir, work, sentinel) = try setUp("hsiflow-gc-links")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = work.appendingPathComponent(".hsiflow/cache")
        let before = try fingerprint(sentinel)
        try link(cache.appendingPathComponent("objects/cc"), to: sentinel)
        try link(cache.appendingPathComponent("records/stages/dd"), to: sentinel)
        // A record replaced by a folder: every run failed on it, and verify said "dropped" but left it.
        let recordShard = try #require(ContainedPath.entries(of: cache.appendingPathComponent("records/stages").path).first { $0 != "dd" })
        let recordDir = cache.appendingPathComponent("records/stages/\(recordShard)")
        let recordName = try #require(ContainedPath.entries(of: recordDir.path).first)
        try FileManager.default.removeItem(at: recordDir.appendingPathComponent(recordName))
        try FileManager.default.createDirectory(at: recordDir.appendingPathComponent(recordName).appendingPathComponent("x"), withIntermediateDirectories: true)

        let gc = try runHsiflow(["cache", "gc"], in: work)
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(try fingerprint(sentinel) == before)

        let verify = try runHsiflow(["cache", "verify"], in: work)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("removed 2 symbolic links or special files from the cache"), "\(verify.stdout)")
        #expect(verify.stdout.contains("objects/cc") && verify.stdout.contains("records/stages/dd"))
        #expect(ContainedPath.kind(cache.appendingPathComponent("objects/cc").path) == .missing)
        #expect(ContainedPath.kind(recordDir.appendingPathComponent(recordName).path) == .missing)
        #expect(try fingerprint(sentinel) == before)

        let again = try runHsiflow(["run", "exp.yaml", "--quiet"], in: work)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try fingerprint(sentinel) == before)
    }

    @Test func aRunDoesNotEmptyTheFolderALinkedTmpPointsAt() throws {
        let (dir, work, sentinel) = try setUp("hsiflow-tmp-link-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try fingerprint(sentinel)
        let tmp = work.appendingPathComponent(".hsiflow/cache/tmp")
        try link(tmp, to: sentinel)
        let run = try runHsiflow(["run", "exp.yaml", "--quiet", "--force", "scene"], in: work)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fingerprint(sentinel) == before)
        #expect(ContainedPath.kind(tmp.path) == .directory)
    }

    @Test func aHostileManifestCannotMakeReportOrExportReadOrWriteOutsideTheResultsFolder() throws {
        let (dir, work, _) = try setUp("hsiflow-hostile-manifest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifestURL = work.appendingPathComponent("results/paths/manifest.json")
        var manifest = try Manifest.decode(try Data(contentsOf: manifestURL), source: manifestURL.path)
        manifest.stages[0].outputs = [
            Manifest.Output(name: "../../../../pwn.png", path: "../../../../etc/hostname", sha256: "/../../../../pwn", bytes: 10),
            Manifest.Output(name: "passwd.png", path: "/etc/passwd", sha256: String(repeating: "0", count: 64), bytes: 10),
        ]
        try AtomicFile.write(try manifest.encoded(), to: manifestURL.path)
        let before = try fingerprint(dir, excluding: ["work/results/paths/report.html", "work/results/paths/figures"])

        let report = try runHsiflow(["report", "results/paths/manifest.json"], in: work)
        #expect(report.status == 0, "\(report.stderr)")
        let figures = work.appendingPathComponent("results/paths/figures")
        #expect(try fingerprint(figures).isEmpty, "no output of the hostile manifest is copied")
        #expect(try fingerprint(dir, excluding: ["work/results/paths/report.html", "work/results/paths/figures"]) == before)

        let export = try runHsiflow(["export", "results/paths", "--to", "exported"], in: work)
        #expect(export.status == 2, "\(export.stdout)\(export.stderr)")
        #expect(export.stderr.contains("has no valid SHA-256"), "\(export.stderr)")
        #expect(ContainedPath.kind(work.appendingPathComponent("exported").path) != .regular)
        #expect(try fingerprint(dir, excluding: ["work/results/paths/report.html", "work/results/paths/figures", "work/exported"]) == before)
    }

    @Test func linkedFiguresAndRunsFoldersAreRefused() throws {
        let (dir, work, sentinel) = try setUp("hsiflow-figures-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try fingerprint(sentinel)
        // Give the run an image output (the cube's object under a .png name) so report copies a figure.
        let manifestURL = work.appendingPathComponent("results/paths/manifest.json")
        var manifest = try Manifest.decode(try Data(contentsOf: manifestURL), source: manifestURL.path)
        let cube = try #require(manifest.stages[0].outputs.first { $0.name == "cube" })
        manifest.stages[0].outputs.append(Manifest.Output(name: "map.png", path: cube.path, sha256: cube.sha256, bytes: cube.bytes))
        try AtomicFile.write(try manifest.encoded(), to: manifestURL.path)
        let figures = work.appendingPathComponent("results/paths/figures")
        try link(figures, to: sentinel)
        let report = try runHsiflow(["report", "results/paths"], in: work)
        #expect(report.status == 2, "\(report.stderr)")
        #expect(report.stderr.contains("refusing to write") && report.stderr.contains("symbolic link"), "\(report.stderr)")
        #expect(try fingerprint(sentinel) == before)
        // With a real folder there, the figure is written under a readable name.
        try FileManager.default.removeItem(at: figures)
        #expect(try runHsiflow(["report", "results/paths"], in: work).status == 0)
        #expect(ContainedPath.kind(figures.appendingPathComponent("scene/map.png").path) == .regular)

        // A run whose results/<name>/runs is a link refuses to write the manifest there.
        let runs = work.appendingPathComponent("results/paths/runs")
        try FileManager.default.removeItem(at: runs)
        try link(runs, to: sentinel)
        let run = try runHsiflow(["run", "exp.yaml", "--quiet"], in: work)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("refusing to write") && run.stderr.contains("symbolic link"), "\(run.stderr)")
        #expect(try fingerprint(sentinel) == before)
    }

    @Test func aFIFOAsAnInputFailsValidationInsteadOfHanging() throws {
        let dir = try makeTemporaryDirectory("hsiflow-fifo-input")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(mkfifo(dir.appendingPathComponent("cube.npy").path, 0o644) == 0)
        try """
        name: fifo
        stages:
          scene:
            kind: load
            cube: cube.npy
            labels: /dev/zero
            split: {method: stratified, train: 0.3}

        """.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        for command in ["validate", "plan"] {
            let result = try runHsiflow([command, "exp.yaml"], in: dir)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("input file cube.npy is a FIFO (named pipe), not a regular file"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("input file /dev/zero is a device, not a regular file"), "\(command): \(result.stderr)")
        }
        // The experiment file itself a FIFO: a clear error, not a read that never ends.
        #expect(mkfifo(dir.appendingPathComponent("pipe.yaml").path, 0o644) == 0)
        let piped = try runHsiflow(["validate", "pipe.yaml"], in: dir)
        #expect(piped.status == 2 && piped.stderr.contains("pipe.yaml") && piped.stderr.contains("FIFO"), "\(piped.stderr)")
    }

    @Test func anAliasBombFailsValidationWithTheNamedLimit() throws {
        let dir = try makeTemporaryDirectory("hsiflow-alias-bomb")
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for i in 1...9 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let yaml = "name: laughs\nvars:\n" + lines.map { "  \($0)" }.joined(separator: "\n") + "\nstages:\n  s: {kind: sleep}\n"
        try yaml.write(to: dir.appendingPathComponent("bomb.yaml"), atomically: true, encoding: .utf8)
        let result = try runHsiflow(["validate", "bomb.yaml"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("bomb.yaml") && result.stderr.contains("(limit: nodes = 1000000)"), "\(result.stderr)")
        try "name: fine\nvars: {a: 1}\nstages:\n  s: {kind: sleep}\n".write(to: dir.appendingPathComponent("fine.yaml"), atomically: true, encoding: .utf8)
        let sets = try runHsiflow(["validate", "fine.yaml"] + (0..<1_001).flatMap { ["--set", "vars.k\($0)=1"] }, in: dir)
        #expect(sets.status == 2 && sets.stderr.contains("(limit: overrides = 1000)"), "\(sets.stderr)")
    }
}
