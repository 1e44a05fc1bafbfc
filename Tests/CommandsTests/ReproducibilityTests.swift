// ReproducibilityTests: same key, same bytes through the built binary — every stage's outputs are
// identical whatever --jobs and --threads a run gets: the quickstart experiment always, and a
// real-data pipeline (PCA and NMF band selection, training, a prune step) under HSIFLOW_DATA.
import Foundation
import PipelineModel
import Testing
import TestSupport

/// The repository's experiments folder.
private let experimentsFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("experiments")

/// A small pipeline on the real scene: both band reductions, a short training, one prune step.
private func realDataExperiment(_ data: URL) -> String {
    """
    name: repro
    seed: 41
    matrix:
      bands: [pca, nmf]
    stages:
      scene:
        kind: load
        cube: \(data.path)/Indian_pines_corrected.npy
        labels: \(data.path)/Indian_pines_gt.npy
        classes: [2, 3, 5, 6, 10, 11, 12, 14, 15]
        split: {method: stratified, train: 0.5, seed: 41}
      reduce:
        kind: band-select
        needs: scene
        method: ${bands}
        components: 100
        normalize: auto
        whiten: true
        iterations: 15
      train:
        kind: train
        needs: reduce
        model: cao
        epochs: 2
        batch: 128
      prune:
        kind: prune
        needs: [train, reduce]
        criterion: apoz
        levels: {from: 0, to: 20, step: 20}
        finetune: {epochs: 1, lr: 0.0001}

    """
}

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct ReproducibilityTests {
    /// Output hashes by stage and output name after a cold run with `arguments`, in its own cache.
    private func coldRun(_ experiment: URL, _ arguments: [String], in dir: URL) throws -> [String: [String: String]] {
        let label = arguments.joined(separator: "_").replacingOccurrences(of: "-", with: "")
        let result = try runHsiflow(["run", experiment.path, "--cache", "cache-\(label)", "--results", "results-\(label)",
                                     "--quiet"] + arguments, in: dir)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let folder = dir.appendingPathComponent("results-\(label)")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first)
        let path = folder.appendingPathComponent(name).appendingPathComponent("manifest.json")
        let manifest = try Manifest.decode(try Data(contentsOf: path), source: path.path)
        #expect(manifest.stages.allSatisfy { $0.status == .ran })
        return Dictionary(uniqueKeysWithValues: manifest.stages.map { stage in
            (stage.id, Dictionary(uniqueKeysWithValues: stage.outputs.map { ($0.name, $0.sha256) }))
        })
    }

    /// Runs `experiment` cold under every setting and expects the same outputs from all.
    private func expectSameOutputs(_ experiment: URL, settings: [[String]]) throws {
        let dir = try makeTemporaryDirectory("hsiflow-repro")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = try settings.map { try coldRun(experiment, $0, in: dir) }
        let first = try #require(runs.first)
        #expect(!first.isEmpty && first.values.allSatisfy { !$0.isEmpty })
        for (setting, outputs) in zip(settings, runs).dropFirst() {
            for (stage, hashes) in first.sorted(by: { $0.key < $1.key }) {
                #expect(outputs[stage] == hashes, "stage \(stage): outputs differ between \(settings[0]) and \(setting)")
            }
        }
    }

    @Test("quickstart: identical outputs for every stage at --jobs 1/2 and --threads 1/2/4")
    func quickstartIsIndependentOfJobsAndThreads() throws {
        try expectSameOutputs(experimentsFolder.appendingPathComponent("quickstart.yaml"), settings: [
            ["--jobs", "1", "--threads", "1"], ["--jobs", "2"], ["--jobs", "1", "--threads", "2"], ["--threads", "4"],
        ])
    }

    @Test("a forced rerun at another thread count rewrites the same bytes, so nothing downstream reruns")
    func forcedRerunAtOtherThreadsKeepsTheSubtreeCached() throws {
        let dir = try makeTemporaryDirectory("hsiflow-repro-force")
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = experimentsFolder.appendingPathComponent("quickstart.yaml").path
        let first = try runHsiflow(["run", experiment, "--jobs", "1", "--threads", "1", "--quiet"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let forced = try runHsiflow(["run", experiment, "--force", "reduce", "--jobs", "2", "--threads", "2", "--quiet"], in: dir)
        #expect(forced.status == 0, "\(forced.stderr)")
        let path = dir.appendingPathComponent("results/quickstart/manifest.json")
        let manifest = try Manifest.decode(try Data(contentsOf: path), source: path.path)
        #expect(manifest.stage("reduce")?.status == .ran)
        for id in ["train", "prune", "quantize"] {
            #expect(manifest.stage(id)?.status == .cached, "\(id) reran after a forced, byte-identical reduce")
        }
    }

    @Test("real data: PCA, NMF, training and a prune step are identical at 1 and 2 threads and --jobs 2",
          .enabled(if: realDataDirectory() != nil, "needs HSIFLOW_DATA with indian_pines/ (skipped: unset or absent)"))
    func realDataIsIndependentOfJobsAndThreads() throws {
        let data = try #require(realDataDirectory())
        let dir = try makeTemporaryDirectory("hsiflow-repro-exp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("repro.yaml")
        try realDataExperiment(data).write(to: file, atomically: true, encoding: .utf8)
        try expectSameOutputs(file, settings: [["--threads", "1"], ["--threads", "2"], ["--jobs", "2"]])
    }
}
