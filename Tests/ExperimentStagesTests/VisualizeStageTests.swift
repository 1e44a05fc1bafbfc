// VisualizeStageTests: the `visualize` stage through the real engine after real `load`, `band-select`,
// `train` and `prune` stages (a small layer-list model, levels 0 and 50): every method's PNGs decode, metrics say
// level 0 matches itself and level 50 differs, reruns are cached, a lone `model` is level 0, and a
// missing level is a clear error.
import ExperimentStages
import FileFormats
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct VisualizeStageTests {
    var registry: StageRegistry { StandardStages.registry }

    func experiment(levels: String = "[0, 50]", models: String = "prune") -> String {
        """
        name: v
        seed: 5
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 24, width: 24, bands: 6, classes: 3, regions: 2}
            split: {train: 0.5}
          reduce:
            kind: band-select
            needs: scene
            method: none
            normalize: standard
          train:
            kind: train
            needs: reduce
            model:
              - {kind: conv2d, filters: 6, kernel: [3, 3], activation: relu, name: conv1}
              - {kind: conv2d, filters: 4, kernel: [3, 3], activation: relu, name: conv2}
              - {kind: flatten}
            epochs: 5
            batch: 32
            optimizer: {lr: 0.003}
          prune:
            kind: prune
            needs: [train, reduce]
            levels: {from: 0, to: 50, step: 50}
            finetune: {epochs: 1, lr: 0.001, batch: 32}
          explain:
            kind: visualize
            needs: [reduce, \(models)]
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
        #expect(outcome.status == .ran, "\(outcome.error ?? "") \(run.result.failed.map { "\($0.id): \($0.error ?? "")" })")
        let record = try #require(outcome.record)
        let names = Set(record.outputs.keys)
        for method in ["gradient", "integrated-gradients", "smoothgrad", "smoothgrad-ig", "guided-backprop", "visual-backprop"] {
            for c in 1...3 { #expect(names.contains("\(method)-jet-class\(c).png")) }
        }
        // One colormap (jet by default): no gray copies.
        #expect(!names.contains { $0.contains("-gray") })
        #expect(record.metrics["colormap"] == "jet")
        for expected in ["activations-L0-jet.png", "activations-L50-jet.png", "maximization-L50-jet.png", "classmap-predicted.png",
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
        #expect(record.metrics["levels"] == [0.0, 50.0])
        #expect(record.metrics["pixels_explained"] == 3)

        let again = try h.run(experiment())
        #expect(again.result.status("explain") == .cached)

        // Another colormap reruns the stage alone and draws every grid in it.
        let viridis = try h.run(experiment(), overrides: ["stages.explain.colormap=viridis"])
        #expect(viridis.result.status("explain") == .ran && viridis.result.status("train") == .cached)
        let drawn = try #require(viridis.result.outcomes.first { $0.id.description == "explain" }?.record)
        let grids = drawn.outputs.keys.filter { $0.hasSuffix(".png") && !$0.hasPrefix("classmap-") }
        #expect(!grids.isEmpty && grids.allSatisfy { $0.contains("-viridis") }, "\(grids.sorted())")
        #expect(drawn.metrics["colormap"] == "viridis")
    }

    @Test func aTrainedModelAloneIsLevelZero() throws {
        let h = EngineHarness(registry: registry)
        let run = try h.run(experiment(levels: "[0]", models: "train"))
        let outcome = try #require(run.result.outcomes.first { $0.id.description == "explain" })
        #expect(outcome.status == .ran, "\(outcome.error ?? "")")
        #expect(outcome.record?.metrics["levels"] == [0.0])
        #expect(outcome.record?.outputs["gradient-jet-class1.png"] != nil)
    }

    @Test func aLevelWithoutAModelIsAClearError() throws {
        let h = EngineHarness(registry: registry)
        let run = try h.run(experiment(levels: "[0, 30]"))
        #expect(run.result.status("explain") == .failed)
        let error = run.result.outcomes.first { $0.id.description == "explain" }?.error ?? ""
        #expect(error.contains("level 30") && error.contains("0, 50"), "\(error)")
    }
}
