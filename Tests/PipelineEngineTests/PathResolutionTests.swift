// PathResolutionTests: relative paths in an experiment resolve against the experiment file's
// folder (as DVC resolves against dvc.yaml's), whatever the working directory; absolute paths
// and `--set vars.data=/abs` keep working; the manifest records the path as written and the
// resolved one, and manifests without those fields still decode.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct PathResolutionTests {
    /// tmp/study/exp.yaml and tmp/study/data/cube.bin; the loader's base directory is tmp.
    func layout() throws -> (root: URL, folder: URL) {
        let root = try makeTemporaryDirectory()
        let folder = root.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("cube".utf8).write(to: folder.appendingPathComponent("data/cube.bin"))
        return (root, folder)
    }

    let yaml = "name: p\nvars: {data: data}\nstages:\n  a: {kind: fake, data: \"${data}/cube.bin\"}\n"

    @Test func relativePathsResolveAgainstTheExperimentFilesFolder() throws {
        let (root, folder) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        try yaml.write(to: folder.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        let pipeline = Pipeline(registry: fakeRegistry(ExecutionLog()), store: MemoryStore(), baseDirectory: root,
                                hasher: InputFileHasher(memoURL: nil))
        let prepared = try pipeline.prepare(path: "study/exp.yaml")
        #expect(prepared.spec.directory == folder.standardizedFileURL.path)
        #expect(prepared.spec.stages[0].inputFiles == ["data/cube.bin"])
        #expect(prepared.spec.resolvedPath("data/cube.bin") == folder.appendingPathComponent("data/cube.bin").standardizedFileURL.path)
        #expect(prepared.files["data/cube.bin"]?.bytes == 4)

        // The same file by an absolute path given to the loader, and from a base directory elsewhere.
        let absolute = Pipeline(registry: fakeRegistry(ExecutionLog()), store: MemoryStore(),
                                baseDirectory: URL(fileURLWithPath: "/nonexistent"), hasher: InputFileHasher(memoURL: nil))
        let again = try absolute.prepare(path: folder.appendingPathComponent("exp.yaml").path)
        #expect(again.files["data/cube.bin"] == prepared.files["data/cube.bin"])

        // The manifest: the path as written, and where it was read.
        let plan = pipeline.plan(prepared, previous: nil, options: PlanOptions())
        let (_, manifest) = pipeline.run(prepared, plan: plan, options: RunOptions(), observer: nil, toolVersion: "test")
        let file = try #require(manifest.stages.first?.files.first)
        #expect(file.path == "data/cube.bin")
        #expect(file.resolved == folder.appendingPathComponent("data/cube.bin").standardizedFileURL.path)
        #expect(manifest.experiment.path == "study/exp.yaml")
        #expect(manifest.experiment.directory == folder.standardizedFileURL.path)
    }

    @Test func aMissingRelativeFileSaysWhereItWasLookedFor() throws {
        let (root, folder) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        // data/cube.bin exists under study/, not under the working directory root: from study/ it is found.
        let loader = ExperimentLoader(registry: fakeRegistry(ExecutionLog()), baseDirectory: root)
        #expect(throws: Never.self) { try loader.load(text: yaml, path: "study/exp.yaml") }
        do {
            _ = try loader.load(text: yaml, path: "exp.yaml")
            Issue.record("expected a missing-file problem")
        } catch {
            #expect(error.description.contains("input file data/cube.bin does not exist (looked for \(root.standardizedFileURL.path)/data/cube.bin)"))
        }
        _ = folder
    }

    @Test func absolutePathsAndSetOverridesKeepWorking() throws {
        let (root, folder) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        let loader = ExperimentLoader(registry: fakeRegistry(ExecutionLog()), baseDirectory: URL(fileURLWithPath: "/nonexistent"))
        let data = folder.appendingPathComponent("data").path
        let spec = try loader.load(text: yaml, path: "elsewhere/exp.yaml", overrides: ["vars.data=\(data)"])
        #expect(spec.stages[0].inputFiles == ["\(data)/cube.bin"])
        #expect(spec.resolvedPath("\(data)/cube.bin") == "\(data)/cube.bin")
        #expect(spec.directory == "/nonexistent/elsewhere")
    }

    @Test func resolutionFoldsDotSegments() {
        #expect(ExperimentSpec.resolve("../data/x.npy", in: "/repo/experiments") == "/repo/data/x.npy")
        #expect(ExperimentSpec.resolve("./a/./b", in: "/r") == "/r/a/b")
        #expect(ExperimentSpec.resolve("/abs/x", in: "/r") == "/abs/x")
        #expect(ExperimentSpec.resolve("x", in: "/") == "/x")
        #expect(ExperimentSpec.resolve("../../x", in: "/a") == "/x")
    }

    @Test func manifestsWithoutResolvedPathsStillDecode() throws {
        let old = #"{"path": "data/x.npy", "sha256": "ab", "bytes": 3}"#
        let file = try JSONDecoder().decode(Manifest.InputFile.self, from: Data(old.utf8))
        #expect(file.path == "data/x.npy" && file.resolved == nil)
        let experiment = try JSONDecoder().decode(Manifest.Experiment.self,
                                                  from: Data(#"{"name": "x", "path": "x.yaml", "sha256": "ab", "params": {}}"#.utf8))
        #expect(experiment.directory == nil)
    }
}
