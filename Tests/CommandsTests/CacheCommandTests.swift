// CacheCommandTests: `hsiflow cache verify FILE --recompute ID…` through the built binary on
// real stage kinds (a synthetic load and a PCA band selection): reproduced stages exit 0, a
// misspelt id or an uncached stage exit 2, and the cache folder is byte-for-byte unchanged
// afterwards. (NOT reproduced needs a flaky stage kind: see ReproductionTests in the engine.)
import Foundation
import PipelineModel
import PipelineEngine
import Testing
import TestSupport

private let experiment = """
name: recompute
seed: 41
stages:
  scene:
    kind: load
    cube: synthetic
    synthetic: {height: 24, width: 24, bands: 12, classes: 3}
    split: {method: stratified, train: 0.3}
  reduce:
    kind: band-select
    needs: scene
    method: pca
    components: 4
  later:
    kind: sleep
    needs: reduce

"""

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"))
struct CacheCommandTests {
    @Test func cachedRealStagesAreReproducedAndTheCacheIsNotTouched() throws {
        let dir = try makeTemporaryDirectory("hsiflow-recompute")
        defer { try? FileManager.default.removeItem(at: dir) }
        try experiment.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        let run = try runHsiflow(["run", "exp.yaml", "--only", "reduce", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let cache = dir.appendingPathComponent(".hsiflow/cache")
        let before = try directoryFingerprint(cache)

        let verify = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "scene", "reduce"], in: dir)
        #expect(verify.status == 0, "\(verify.stderr)")
        let lines = verify.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("scene: reproduced (key ") == true)
        #expect(lines.dropFirst().first?.hasPrefix("reduce: reproduced (key ") == true)
        #expect(verify.stdout.contains("2 of 2 stages reproduced"))

        // By default a stage reruns with the threads its cached outputs were made with.
        let json = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "reduce", "--json"], in: dir)
        #expect(json.status == 0)
        let report = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8))
        #expect(report.stages.map(\.verdict) == [.reproduced])
        #expect(report.stages.first.map { $0.threads == $0.cachedThreads } == true)
        #expect(report.stages.first?.outputs.map(\.name) == ["components", "cube", "test", "train", "transform"])

        // Another thread count gives the same bytes (Docs/Reproducibility.md).
        let one = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "reduce", "--threads", "1", "--json"], in: dir)
        let verdict = try JSONDecoder().decode(Report.self, from: Data(one.stdout.utf8)).stages.first?.verdict
        #expect(one.status == 0 && verdict == .reproduced)

        let misspelt = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "redcue"], in: dir)
        #expect(misspelt.status == 2 && misspelt.stderr.contains("did you mean 'reduce'?"), "\(misspelt.stderr)")
        let uncached = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "later"], in: dir)
        #expect(uncached.status == 2 && uncached.stderr.contains("run it first"), "\(uncached.stderr)")
        let noIDs = try runHsiflow(["cache", "verify", "exp.yaml"], in: dir)
        #expect(noIDs.status == 2)

        #expect(try directoryFingerprint(cache) == before)
    }

    @Test func aCorruptCachedInputIsReportedAndLeftInPlaceAndAMissingCacheIsBadInput() throws {
        let dir = try makeTemporaryDirectory("hsiflow-recompute-corrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        try experiment.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        #expect(try runHsiflow(["run", "exp.yaml", "--only", "reduce", "--quiet"], in: dir).status == 0)
        let path = dir.appendingPathComponent("results/recompute/manifest.json")
        let manifest = try Manifest.decode(try Data(contentsOf: path), source: path.path)
        let cube = try #require(manifest.stage("scene")?.outputs.first { $0.name == "cube" })
        let object = dir.appendingPathComponent(".hsiflow/cache").appendingPathComponent(cube.path)
        var bytes = try Data(contentsOf: object)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: object)
        let cache = dir.appendingPathComponent(".hsiflow/cache")
        let before = try directoryFingerprint(cache)
        let verify = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "reduce"], in: dir)
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(try directoryFingerprint(cache) == before, "the corrupt object must be reported, not dropped")

        let missing = try runHsiflow(["cache", "verify", "exp.yaml", "--recompute", "reduce", "--cache", "nowhere"], in: dir)
        #expect(missing.status == 2 && missing.stderr.contains("there is no cache"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("nowhere").path))
    }
}

/// What `cache verify --recompute --json` prints.
private struct Report: Decodable {
    let stages: [Reproduction]
}
