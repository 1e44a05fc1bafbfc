// ModelStageTests: `kind: model` brings a Keras 3 file (Tests/FileFormatsTests/Fixtures/keras3_cao.h5,
// the cao network on 5×5×8 patches, 9 classes) into the graph; prune, quantize and visualize work
// on it with a synthetic scene of 8 bands; the file is content-hashed into the key, found relative
// to the experiment file, and a file that is no model fails with a message; `{name, layers}` and a
// bare layer list both train.
import ExperimentStages
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FileFormatsTests/Fixtures/keras3_cao.h5")

@Suite struct ModelStageTests {
    static func experiment(path: String) -> String {
        """
        name: from-file
        seed: 7
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 12, width: 12, bands: 8, classes: 4, regions: 2}
          keras:
            kind: model
            path: \(path)
          prune:
            kind: prune
            needs: [keras, scene]
            levels: [0, 50]
            finetune: {epochs: 1, batch: 32}
          quantize:
            kind: quantize
            needs: [prune, scene]
          explain:
            kind: visualize
            needs: [prune, scene]
            methods: [gradient, activation-map]
            bands: {from: 0, to: 7, step: 7}
            samples: 1
        """
    }

    @Test func aKeras3FileIsPrunedQuantizedAndExplained() throws {
        try BLASConfiguration.exclusively {
            let h = EngineHarness(registry: StandardStages.registry)
            let run = try h.run(Self.experiment(path: fixture.path))
            #expect(run.result.ids(.failed).isEmpty, "\(run.result.outcomes.compactMap(\.error))")
            #expect(run.result.ids(.ran) == ["explain", "keras", "prune", "quantize", "scene"])
            let keras = try #require(run.manifest.stages.first { $0.id == "keras" })
            #expect(keras.metrics["input_shape"] == [5, 5, 8])
            #expect(keras.metrics["keras_version"]?.string?.hasPrefix("3.") == true)
            #expect(keras.files.map(\.path) == [fixture.path] && keras.files.first?.sha256.count == 64)
            let prune = try #require(run.result.outcomes.first { $0.id.description == "prune" }?.record)
            #expect(Set(prune.outputs.keys) == ["model-0", "model-50"])
            let quantize = try #require(run.result.outcomes.first { $0.id.description == "quantize" }?.record)
            #expect(Set(quantize.outputs.keys) == ["quantized-0", "quantized-50"])
            let explain = try #require(run.result.outcomes.first { $0.id.description == "explain" }?.record)
            #expect(explain.outputs.keys.contains { $0.hasPrefix("gradient-") && $0.hasSuffix(".png") })
        }
    }

    @Test func theFileIsFoundNextToTheExperimentAndHashedByContent() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: folder.appendingPathComponent("cao.h5"))
        let yaml = "name: m\nstages:\n  keras: {kind: model, path: cao.h5}\n"
        try yaml.write(to: folder.appendingPathComponent("m.yaml"), atomically: true, encoding: .utf8)
        // Loaded from another directory: the path is relative to the experiment file, not the working directory.
        let pipeline = Pipeline(registry: StandardStages.registry, store: MemoryStore(), baseDirectory: dir,
                                hasher: InputFileHasher(memoURL: nil))
        let prepared = try pipeline.prepare(path: "study/m.yaml")
        #expect(prepared.spec.stages.first?.inputFiles == ["cao.h5"])
        #expect(prepared.files["cao.h5"]?.bytes == (try Data(contentsOf: fixture)).count)
        let plan = pipeline.plan(prepared, previous: nil, options: PlanOptions())
        let (result, manifest) = pipeline.run(prepared, plan: plan, options: RunOptions(jobs: 1, threadsPerJob: 1),
                                              observer: nil, toolVersion: "test")
        #expect(result.status("keras") == .ran, "\(result.outcomes.compactMap(\.error))")
        #expect(manifest.stages.first?.files.first?.path == "cao.h5")
        #expect(manifest.stages.first?.files.first?.resolved == folder.appendingPathComponent("cao.h5").standardizedFileURL.path)

        // Other bytes under the same name: a new key.
        let before = try #require(result.outcomes.first?.key)
        var bytes = try Data(contentsOf: fixture)
        bytes.append(0)
        try bytes.write(to: folder.appendingPathComponent("cao.h5"))
        let changed = try pipeline.prepare(path: "study/m.yaml")
        let replan = pipeline.plan(changed, previous: manifest, options: PlanOptions())
        #expect(replan.steps.first?.action == .run)
        #expect(replan.steps.first?.reason == .inputFileChanged(path: "cao.h5"))
        _ = before
    }

    @Test func aFileThatIsNoModelFailsSayingSo() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("not hdf5".utf8).write(to: dir.appendingPathComponent("bad.h5"))
        let h = EngineHarness(registry: StandardStages.registry, baseDirectory: dir)
        let run = try h.run("name: b\nstages:\n  keras: {kind: model, path: bad.h5}\n")
        #expect(run.result.status("keras") == .failed)
        #expect(run.result.outcomes.first?.error?.contains("bad.h5 is not a model HSIFlow can read") == true)
    }

    @Test(arguments: [
        "model: {name: small, layers: [{kind: conv2d, filters: 4, kernel: 3, activation: relu}, {kind: flatten}, {kind: dense, units: 3, activation: softmax}]}",
        "model: [{kind: conv2d, filters: 4, kernel: 3, activation: relu}, {kind: flatten}]",
    ])
    func aModelIsALayerListOrANameAndLayers(model: String) throws {
        try BLASConfiguration.exclusively {
            let h = EngineHarness(registry: StandardStages.registry)
            let run = try h.run("""
            name: t
            stages:
              scene: {kind: load, cube: synthetic, synthetic: {height: 10, width: 10, bands: 4, classes: 3, regions: 1}}
              train:
                kind: train
                needs: scene
                epochs: 1
                \(model)
            """)
            #expect(run.result.status("train") == .ran, "\(run.result.outcomes.compactMap(\.error))")
        }
    }

    @Test func aSoftmaxOfTheWrongWidthIsRefusedWithTheFix() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        let run = try h.run("""
        name: t
        stages:
          scene: {kind: load, cube: synthetic, synthetic: {height: 10, width: 10, bands: 4, classes: 3, regions: 1}}
          train:
            kind: train
            needs: scene
            epochs: 1
            model: {layers: [{kind: flatten}, {kind: dense, units: 9, activation: softmax}]}
        """)
        #expect(run.result.status("train") == .failed)
        #expect(run.result.outcomes.first { $0.id.description == "train" }?.error?.contains("softmax over 9 units but the scene has 3 classes") == true)
    }
}
