// PruneStageTests and QuantizeStageTests: the `prune` and `quantize` stages through the real engine
// on a synthetic scene after a real `train` stage (a small two-conv layer list): one model per level, channel counts by level, extending `levels.to` computes only the new
// level, and every level quantized, stored and loadable.
import Compression
import ExperimentStages
import Foundation
import NeuralNet
import PipelineEngine
import PipelineModel
import SpectralData
import Testing
import TestSupport
import Tensors

@Suite struct PruneStageTests {
    func experiment(to: Int) -> String {
        """
        name: p
        seed: 4
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 16, width: 16, bands: 6, classes: 3, regions: 2}
          train:
            kind: train
            needs: scene
            model:
              - {kind: conv2d, filters: 8, kernel: 3, activation: relu, name: conv1}
              - {kind: conv2d, filters: 4, kernel: 3, activation: relu, name: conv2}
              - {kind: flatten}
            epochs: 3
            batch: 32
            optimizer: {lr: 0.01}
          prune:
            kind: prune
            needs: [train, scene]
            levels: {from: 0, to: \(to), step: 25}
            finetune: {epochs: 1, lr: 0.001, batch: 32}
          quantize:
            kind: quantize
            needs: [prune, scene]
            bits: 8
        """
    }

    func registry() -> StageRegistry { StandardStages.registry }

    /// The bytes of an output of a recorded stage.
    func bytes(_ h: EngineHarness, _ record: StageRecord, _ name: String) throws -> Data {
        let ref = try #require(record.outputs[name])
        return try #require(try h.store.read(ref))
    }

    func record(_ result: RunResult, _ id: String) throws -> StageRecord {
        try #require(result.outcomes.first { $0.id.description == id }?.record, "\(result.outcomes.map { "\($0.id): \($0.error ?? "")" })")
    }

    @Test func prunesLevelByLevelAndExtendsOnlyTheNewLevels() throws {
        try BLASConfiguration.exclusively {
            let h = EngineHarness(registry: registry())
            let first = try h.run(experiment(to: 50))
            #expect(first.result.ids(.ran) == ["prune", "quantize", "scene", "train"], "\(first.result.outcomes.map { $0.error ?? "" })")
            let prune = try record(first.result, "prune")
            #expect(Set(prune.outputs.keys) == ["model-0", "model-25", "model-50"])
            let levels = try #require(prune.metrics["levels"]?.list)
            // 12 original conv channels: 0, 3 and 6 removed.
            let totals = levels.map { ($0["channels_conv1"]?.int ?? 0) + ($0["channels_conv2"]?.int ?? 0) }
            #expect(levels.map { $0["level"]?.number } == [0, 25, 50])
            #expect(levels.allSatisfy { (0...1).contains($0["oa"]?.number ?? -1) && $0["kept_one_channel_in"] == "" })
            #expect(totals == [12, 9, 6])
            #expect(prune.metrics["steps_computed"] == 3 && prune.metrics["steps_reused"] == 0)
            let pruned = try ModelArtifacts.model(try bytes(h, prune, "model-50"))
            #expect(ModelCost(of: pruned).channels.map(\.channels).reduce(0, +) == 6)

            // Quantize: every level, stored and loadable, a quarter-ish of the float weights.
            let quantize = try record(first.result, "quantize")
            #expect(Set(quantize.outputs.keys) == ["quantized-0", "quantized-25", "quantized-50"])
            let models = try #require(quantize.metrics["models"]?.list)
            #expect(models.compactMap { $0["model"]?.string } == ["model-0", "model-25", "model-50"])
            #expect(models.compactMap { $0["level"]?.number } == [0, 25, 50])
            for m in models {
                #expect((m["size_ratio"]?.number ?? 1) < 0.35)
                #expect((m["max_error_in_scales"]?.number ?? 1) <= 0.5 + 1e-4)
            }
            var q = try ModelArtifacts.quantizedModel(try bytes(h, quantize, "quantized-50"))
            #expect(q.bits == 8 && q.inputShape == [5, 5, 6])
            _ = try q.forward(Tensor(shape: [2, 5, 5, 6], repeating: 0.5))

            // Extending `to` reruns prune, but only level 75 is computed; earlier models are identical.
            let second = try h.run(experiment(to: 75))
            #expect(second.result.status("train") == .cached && second.result.status("prune") == .ran)
            let extended = try record(second.result, "prune")
            #expect(extended.metrics["steps_reused"] == 3 && extended.metrics["steps_computed"] == 1)
            for level in ["model-0", "model-25", "model-50"] { #expect(extended.outputs[level] == prune.outputs[level]) }
            #expect(extended.outputs["model-75"] != nil)
        }
    }

    @Test func badLevelsAndMissingModelsFailClearly() throws {
        let h = EngineHarness(registry: registry())
        // A prune stage with no model above it is refused before anything runs.
        #expect(throws: EngineError.self) {
            try h.run("name: b\nstages:\n  scene: {kind: load, cube: synthetic}\n  prune: {kind: prune, needs: scene, levels: [0, 10]}\n")
        }
        let run = try h.run("""
        name: b
        stages:
          scene: {kind: load, cube: synthetic, synthetic: {height: 12, width: 12, bands: 4, classes: 2}}
          train: {kind: train, needs: scene, epochs: 1, model: [{kind: conv2d, filters: 2, kernel: 3, activation: relu}, {kind: flatten}]}
          down: {kind: prune, needs: [train, scene], levels: [40, 20]}
        """, keepGoing: true)
        #expect(run.result.status("down") == .failed)
        #expect(run.result.outcomes.first { $0.id.description == "down" }?.error?.contains("increase") == true)
    }
}
