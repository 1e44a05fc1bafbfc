// TrainStageTests: `train` through the engine on a small synthetic scene with a tiny layer list —
// it learns (test OA well above chance), writes a model that loads back, is deterministic, and a
// malformed layer list is a validation error with a position, not a crash at run time.
import ExperimentStages
import FileFormats
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private func experiment(epochs: Int, model: String = "[{kind: conv2d, filters: 8, kernel: 3, activation: relu}, {kind: flatten}]") -> String {
    """
    name: t
    seed: 3
    stages:
      scene:
        kind: load
        cube: synthetic
        synthetic: {height: 20, width: 20, bands: 6, classes: 3, noise: 0.01}
        split: {train: 0.4}
      train:
        kind: train
        needs: scene
        model: \(model)
        patch: 3
        epochs: \(epochs)
        batch: 32
        optimizer: {lr: 0.01}
    """
}

@Suite struct TrainStageTests {
    @Test func aSmallNetworkLearnsTheSyntheticScene() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        let run = try h.run(experiment(epochs: 15))
        #expect(run.result.status("train") == .ran, "\(run.result.outcomes.last?.error ?? "")")
        let record = try #require(run.result.outcomes.last?.record)
        let oa = try #require(record.metrics["oa"]?.number)
        #expect(oa > 0.6, "overall accuracy \(oa) is barely above chance (1/3)")
        #expect(record.metrics["loss"]?.list?.count == 15)
        #expect(record.metrics["confusion"]?.list?.count == 3)
        // The model artifact is a loadable model file with the trained architecture.
        let modelRef = try #require(record.outputs["model"])
        let bytes = try #require(try h.store.read(modelRef))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("train-test-\(UUID().uuidString).h5")
        defer { try? FileManager.default.removeItem(at: file) }
        try bytes.write(to: file)
        let loaded = try ModelFile.load(path: file.path)
        #expect(loaded.model.inputShape == [3, 3, 6])
        #expect(loaded.model.outputUnits == 3)
        #expect(record.metrics["parameters"] == .int(loaded.model.parameterCount))
        // The class map image covers the scene and colours exactly the labelled pixels.
        let pngRef = try #require(record.outputs["classmap.png"])
        let image = try Png.decode([UInt8](try #require(try h.store.read(pngRef))), source: "classmap.png")
        #expect(image.width == 20 && image.height == 20)
        let scene = try #require(run.result.outcomes.first?.record)
        var labelled = 0
        for name in ["train", "test"] {
            let ref = try #require(scene.outputs[name])
            let data = try #require(try h.store.read(ref))
            labelled += try ArtifactCoding.labelMap(data, source: name).labelledCount
        }
        let coloured = stride(from: 0, to: image.pixels.count, by: image.channels).filter { i in
            image.pixels[i] != 0 || image.pixels[i + 1] != 0 || image.pixels[i + 2] != 0
        }.count
        #expect(coloured == labelled)
    }

    @Test func trainingIsDeterministic() throws {
        let a = try EngineHarness(registry: StandardStages.registry).run(experiment(epochs: 2))
        let b = try EngineHarness(registry: StandardStages.registry).run(experiment(epochs: 2))
        let ra = try #require(a.result.outcomes.last?.record), rb = try #require(b.result.outcomes.last?.record)
        #expect(ra.outputs["predictions"] == rb.outputs["predictions"])
        #expect(ra.outputs["history"] == rb.outputs["history"])
        #expect(ra.metrics["loss"] == rb.metrics["loss"])
    }

    @Test func aMalformedLayerListIsAValidationError() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        #expect {
            try h.plan(experiment(epochs: 1, model: "[{kind: conv9d}]"))
        } throws: { error in
            guard case .invalidExperiment(_, let problems) = error as? EngineError, let p = problems.first else { return false }
            return problems.count == 1 && p.position.line == 12 && p.message.contains("stage train: 'model'")
                && p.message.contains("not a layer list")
        }
    }
}
