// VisualizeStageTests: the `visualize` stage through the real engine, fed by a synthetic `load`
// stage and a test stage standing in for prune (two saved models as model-0 and model-50):
// every method's PNGs decode, metrics say level 0 matches itself, reruns are cached, and a
// missing level is a clear error.
import ExperimentStages
import FileFormats
import Foundation
import NeuralNet
import PipelineEngine
import PipelineModel
import SpectralData
import Testing
import TestSupport

/// Test stage: writes seeded small conv models over the cube's bands as `model-<level>` (HDF5),
/// as a prune stage would; no training, the maps need only a network.
struct FixtureModelsStage: StageKind {
    var kind: String { "fixture-models" }
    var version: Int { 1 }
    var summary: String { "Test utility: seeded models as model-<level> outputs." }
    var outputNames: [String] { ["model-<level>"] }
    var isTestUtility: Bool { true }
    var parameters: [Parameter] { [Parameter("levels", .list(.integer(min: 0)), required: true, "levels to write")] }

    func run(_ context: StageContext) throws {
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "cube")
        let directory = try makeTemporaryDirectory("fixture-models")
        defer { try? FileManager.default.removeItem(at: directory) }
        for level in (context.params["levels"]?.list ?? []).compactMap(\.int) {
            let model = try ModelSpec(name: "small", layers: [
                .conv2D(filters: 6, kernel: [3, 3], activation: .relu, name: "conv1"),
                .conv2D(filters: 4, kernel: [3, 3], activation: .relu, name: "conv2"),
                .flatten(name: "flatten"),
                .dense(units: 3, activation: .softmax, name: "predictions"),
            ]).build(inputShape: [5, 5, cube.bands], seed: UInt64(level + 1))
            let path = directory.appendingPathComponent("m\(level).h5").path
            try ModelFile.save(model, to: path)
            try context.write("model-\(level)", try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
}

@Suite struct VisualizeStageTests {
    var registry: StageRegistry {
        var r = StandardStages.registry
        r.register(FixtureModelsStage())
        return r
    }

    func experiment(levels: String = "[0, 50]") -> String {
        """
        name: v
        seed: 5
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 24, width: 24, bands: 6, classes: 3, regions: 2}
            split: {train: 0.5}
          prune:
            kind: fixture-models
            needs: scene
            levels: [0, 50]
          explain:
            kind: visualize
            needs: [scene, prune]
            levels: \(levels)
            methods: [gradient, integrated-gradients, smoothgrad, smoothgrad-ig, guided-backprop, visual-backprop, activation-map, activation-maximization]
            bands: {from: 0, to: 5, step: 2}
            samples: 1
            steps: 16
            smoothgrad: {samples: 3}
            scale: 4
        """
    }

    @Test func drawsEveryMethodAndMeasuresSimilarityToTheFirstLevel() throws {
        let h = EngineHarness(registry: registry)
        let run = try h.run(experiment())
        let outcome = try #require(run.result.outcomes.first { $0.id.description == "explain" })
        #expect(outcome.status == .ran, "\(outcome.error ?? "")")
        let record = try #require(outcome.record)
        let names = Set(record.outputs.keys)
        for method in ["gradient", "integrated-gradients", "smoothgrad", "smoothgrad-ig", "guided-backprop", "visual-backprop"] {
            for colormap in ["gray", "jet"] { for c in 1...3 { #expect(names.contains("\(method)-\(colormap)-class\(c).png")) } }
        }
        for expected in ["activations-L0-gray.png", "activations-L50-jet.png", "maximization-L50-gray.png", "classmap-predicted.png",
                         "classmap-truth.png", "classmap-errors.png", "importance.json", "similarity.json"] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        for (name, ref) in record.outputs where name.hasSuffix(".png") {
            let data = try #require(try h.store.read(ref))
            let image = try Png.decode([UInt8](data), source: name)
            #expect(image.channels == 3 && image.width > 0 && image.height > 0)
        }
        let similarity = try #require(record.metrics["similarity_to_L0"]?.object)
        for method in ["gradient", "integrated-gradients", "guided-backprop", "visual-backprop"] {
            let level0 = try #require(similarity[method]?["L0"])
            #expect(abs((level0["spearman"]?.number ?? 0) - 1) < 1e-9 && abs((level0["cosine"]?.number ?? 0) - 1) < 1e-9)
            let level50 = try #require(similarity[method]?["L50"]?["spearman"]?.number)
            #expect(level50 < 1)
        }
        #expect((record.metrics["completeness_max_L0"]?.number ?? 1) < 0.01)
        #expect(record.metrics["levels"] == [0, 50])
        #expect(record.metrics["pixels_explained"] == 3)

        let again = try h.run(experiment())
        #expect(again.result.status("explain") == .cached)
    }

    @Test func aLevelWithoutAModelIsAClearError() throws {
        let h = EngineHarness(registry: registry)
        let run = try h.run(experiment(levels: "[0, 30]"))
        #expect(run.result.status("explain") == .failed)
        let error = run.result.outcomes.first { $0.id.description == "explain" }?.error ?? ""
        #expect(error.contains("level 30") && error.contains("0, 50"), "\(error)")
    }
}
