// DeploymentExportTests: the deployable forms of a run through the built binary — `export --format
// pipeline` writes one pipeline file per model, and `predict PIPELINE RAW_CUBE` on the scene's raw
// cube reproduces the train stage's class map with no manual preprocessing (a synthetic scene
// here, Indian Pines under HSIFLOW_DATA); `export --format tflite` and the quantize stage's
// `tflite: true` write TFLite files; wrong cubes are exit 2 with what is wrong.
import FileFormats
import Foundation
import SpectralData
import Testing
import TestSupport
import TFLite
@testable import Commands

private let experiment = """
    name: deploy
    seed: 5
    stages:
      scene:
        kind: load
        cube: synthetic
        synthetic: {height: 24, width: 20, bands: 18, classes: 3}
        split: {method: stratified, train: 0.4}
      reduce:
        kind: band-select
        needs: scene
        method: pca
        components: 6
      train:
        kind: train
        needs: reduce
        model: [{kind: conv2d, filters: 8, kernel: [3, 3], activation: relu}, {kind: flatten}, {kind: dense, units: 16, activation: relu}]
        patch: 5
        padding: reflect
        epochs: 4
        batch: 32
      quantize:
        kind: quantize
        needs: [train, reduce]
        tflite: true
    """

/// A folder where the experiment above has run (cache in .hsiflow/cache) and been exported as h5 to `files/`.
private func ranExperiment(_ prefix: String, text: String = experiment) throws -> URL {
    let dir = try makeTemporaryDirectory(prefix)
    try text.write(to: dir.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
    let run = try runHsiflow(["run", "deploy.yaml", "--quiet"], in: dir)
    try #require(run.status == 0, "\(run.stderr)")
    let export = try runHsiflow(["export", "results/deploy", "--to", "files"], in: dir)
    try #require(export.status == 0, "\(export.stderr)")
    return dir
}

private func ints(_ path: URL) throws -> [Int] { try Npy.read(path: path.path).doubles().map { Int($0) } }

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct DeploymentExportTests {
    @Test("predict with the exported pipeline on the raw cube reproduces the train stage's class map")
    func pipelineReproducesTheTrainClassMap() throws {
        let dir = try ranExperiment("hsiflow-deploy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try runHsiflow(["export", "results/deploy", "--to", "deploy", "--format", "pipeline"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let pipeline = dir.appendingPathComponent("deploy/train/model.pipeline.json")
        #expect(FileManager.default.fileExists(atPath: pipeline.path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("deploy/quantize/quantized.pipeline.json").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("deploy/train/model.h5").path))

        let predict = try runHsiflow(["predict", pipeline.path, "files/scene/cube.npy", "--out", "map.npy"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("standard normalization, PCA 18 → 6 bands"), "\(predict.stdout)")
        let predicted = try ints(dir.appendingPathComponent("map.npy"))
        let trained = try ints(dir.appendingPathComponent("files/train/predictions.npy"))
        #expect(predicted.count == trained.count)
        // The train stage maps its labelled pixels (others 0); the pipeline maps every pixel.
        let labelled = trained.indices.filter { trained[$0] != 0 }
        #expect(!labelled.isEmpty)
        let differing = labelled.filter { predicted[$0] != trained[$0] }
        #expect(differing.isEmpty, "\(differing.count) of \(labelled.count) labelled pixels differ")
        #expect(predicted.allSatisfy { (1...3).contains($0) })
        let probabilities = try Npy.read(path: dir.appendingPathComponent("map.probabilities.npy").path)
        #expect(probabilities.shape == [24, 20, 3])

        // The quantized model's pipeline runs on the int8 kernels: the same classes as predicting
        // with the quantized model file on the reduced cube (which runs on them too) wherever the
        // 5×5 patch is inside the scene (predict pads with zeros, the pipeline as train: reflect).
        let quantizedPipeline = dir.appendingPathComponent("deploy/quantize/quantized.pipeline.json")
        let viaPipeline = try runHsiflow(["predict", quantizedPipeline.path, "files/scene/cube.npy", "--out", "q-pipeline.npy"], in: dir)
        #expect(viaPipeline.status == 0, "\(viaPipeline.stderr)")
        #expect(viaPipeline.stdout.contains("(int8 kernels)"), "\(viaPipeline.stdout)")
        let viaModel = try runHsiflow(["predict", "files/quantize/quantized.h5", "files/reduce/cube.npy", "--out", "q-model.npy"], in: dir)
        #expect(viaModel.status == 0, "\(viaModel.stderr)")
        let (qp, qm) = (try ints(dir.appendingPathComponent("q-pipeline.npy")), try ints(dir.appendingPathComponent("q-model.npy")))
        let interior = (2..<22).flatMap { y in (2..<18).map { x in y * 20 + x } }
        #expect(qp.count == 480 && qm.count == 480)
        let differ = interior.filter { qp.count == 480 && qm.count == 480 && qp[$0] != qm[$0] }
        #expect(differ.isEmpty, "\(differ.count) of \(interior.count) interior pixels differ")
    }

    @Test("a cube with the wrong band count, or a damaged pipeline, is exit 2 naming the file and the problem")
    func wrongCubesAreExplained() throws {
        let dir = try ranExperiment("hsiflow-deploy-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try runHsiflow(["export", "results/deploy", "--to", "deploy", "--format", "pipeline"], in: dir).status == 0)
        let pipeline = "deploy/train/model.pipeline.json"
        // The reduced cube has 6 bands; the pipeline wants the raw 18.
        let reduced = try runHsiflow(["predict", pipeline, "files/reduce/cube.npy"], in: dir)
        #expect(reduced.status == 2)
        #expect(reduced.stderr.contains("files/reduce/cube.npy") && reduced.stderr.contains("6 bands") && reduced.stderr.contains("18"), "\(reduced.stderr)")
        let labels = try runHsiflow(["predict", pipeline, "files/scene/train.npy"], in: dir)
        #expect(labels.status == 2)
        #expect(labels.stderr.contains("raw cube"), "\(labels.stderr)")
        var text = try String(contentsOf: dir.appendingPathComponent(pipeline), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"schemaVersion\":1", with: "\"schemaVersion\":9")
        try text.write(to: dir.appendingPathComponent("future.pipeline.json"), atomically: true, encoding: .utf8)
        let future = try runHsiflow(["predict", "future.pipeline.json", "files/scene/cube.npy"], in: dir)
        #expect(future.status == 2)
        #expect(future.stderr.contains("future.pipeline.json") && future.stderr.contains("schema version 9"), "\(future.stderr)")
        #expect(!future.stderr.contains("Fatal error"))
        // A .tflite file is LiteRT's, not predict's.
        #expect(try runHsiflow(["export", "results/deploy", "--to", "lite", "--format", "tflite"], in: dir).status == 0)
        let lite = try runHsiflow(["predict", "lite/train/model.tflite", "files/reduce/cube.npy"], in: dir)
        #expect(lite.status == 2)
        #expect(lite.stderr.contains("model.tflite") && lite.stderr.contains("LiteRT"), "\(lite.stderr)")
    }

    @Test("a run without models has nothing to deploy: exit 2 saying so")
    func runsWithoutModels() throws {
        let text = """
            name: deploy
            stages:
              scene: {kind: load, cube: synthetic, synthetic: {height: 8, width: 8, bands: 4, classes: 2}}
            """
        let dir = try ranExperiment("hsiflow-deploy-none", text: text)
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try runHsiflow(["export", "results/deploy", "--to", "deploy", "--format", "pipeline"], in: dir)
        #expect(export.status == 2)
        #expect(export.stderr.contains("no models to deploy"), "\(export.stderr)")
    }

    @Test("export --format tflite adds a .tflite beside every model; the quantize stage's tflite: true writes int8 and float files")
    func tfliteFiles() throws {
        let dir = try ranExperiment("hsiflow-deploy-tflite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try runHsiflow(["export", "results/deploy", "--to", "lite", "--format", "tflite"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        for (path, int8) in [("lite/train/model.tflite", false), ("lite/quantize/quantized.tflite", true),
                             ("files/quantize/quantized.tflite", true), ("files/quantize/float.tflite", false)] {
            let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(path)))
            let summary = try TFLiteGraph.summary(of: bytes, source: path)
            #expect(summary.operators == ["conv2D", "reshape", "fullyConnected", "fullyConnected", "softmax"], "\(path)")
            #expect(summary.inputShapes == [[1, 5, 5, 6]], "\(path)")
            #expect(summary.int8Tensors.count == (int8 ? 3 : 0), "\(path)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lite/train/model.h5").path))
        // The stage's own int8 file is the one export converts from the same quantized model.
        #expect(try Data(contentsOf: dir.appendingPathComponent("lite/quantize/quantized.tflite"))
                == Data(contentsOf: dir.appendingPathComponent("files/quantize/quantized.tflite")))
    }
}

@Suite(.enabled(if: hsiflowBinary() != nil && realDataDirectory() != nil, "needs the hsiflow binary and HSIFLOW_DATA with indian_pines/ (skipped: unset or absent)"),
       .serialized)
struct RealDataDeploymentTests {
    @Test("on Indian Pines, the pipeline applied to the raw .mat cube reproduces the train stage's class map")
    func indianPinesPipeline() throws {
        let data = try #require(realDataDirectory())
        let text = """
            name: deploy
            seed: 41
            stages:
              scene:
                kind: load
                cube: \(data.path)/Indian_pines_corrected.mat
                labels: \(data.path)/Indian_pines_gt.mat
                classes: [2, 3, 11, 14]
                split: {method: stratified, train: 0.2}
              reduce:
                kind: band-select
                needs: scene
                method: pca
                components: 10
              train:
                kind: train
                needs: reduce
                model: [{kind: conv2d, filters: 16, kernel: [3, 3], activation: relu}, {kind: flatten}, {kind: dense, units: 32, activation: relu}]
                patch: 5
                epochs: 2
                batch: 128
            """
        let dir = try ranExperiment("hsiflow-deploy-ip", text: text)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try runHsiflow(["export", "results/deploy", "--to", "deploy", "--format", "pipeline"], in: dir).status == 0)
        let predict = try runHsiflow(["predict", "deploy/train/model.pipeline.json", "\(data.path)/Indian_pines_corrected.mat", "--out", "map.npy"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("Corn-notill"), "\(predict.stdout)")
        let predicted = try ints(dir.appendingPathComponent("map.npy"))
        let trained = try ints(dir.appendingPathComponent("files/train/predictions.npy"))
        let labelled = trained.indices.filter { trained[$0] != 0 }
        #expect(labelled.count > 1000)
        let differing = labelled.filter { predicted[$0] != trained[$0] }
        #expect(differing.isEmpty, "\(differing.count) of \(labelled.count) labelled pixels differ")
    }
}

/// Row-wise argmax of an N×k array.
private func argmaxRows(_ a: NumericArray) -> [Int] {
    let (n, k) = (a.shape[0], a.shape[1])
    let v = a.floats()
    return (0..<n).map { r in (0..<k).max { v[r * k + $0] < v[r * k + $1] } ?? 0 }
}

@Suite(.enabled(if: hsiflowBinary() != nil && realDataDirectory() != nil && LiteRTRunner.python != nil,
                "needs the hsiflow binary, HSIFLOW_DATA with indian_pines/ and HSIFLOW_LITERT_PYTHON (skipped: one is missing)"),
       .serialized)
struct RealDataLiteRTTests {
    @Test("the 40 %-pruned PCA cao model's .tflite files from quantize (tflite: true) run in LiteRT and agree with HSIFlow")
    func prunedPCAModelRunsInLiteRT() throws {
        let data = try #require(realDataDirectory())
        let text = """
            name: deploy
            seed: 41
            stages:
              scene:
                kind: load
                cube: \(data.path)/Indian_pines_corrected.mat
                labels: \(data.path)/Indian_pines_gt.mat
                classes: [2, 3, 5, 6, 10, 11, 12, 14, 15]
                split: {method: stratified, train: 0.5}
              reduce: {kind: band-select, needs: scene, method: pca, components: 100}
              train: {kind: train, needs: reduce, model: cao, patch: 5, epochs: 3, batch: 128}
              prune:
                kind: prune
                needs: [train, reduce]
                levels: {from: 0, to: 40, step: 40}
                finetune: {epochs: 1, lr: 0.0001}
              quantize: {kind: quantize, needs: [prune, reduce], bits: 8, tflite: true}
            """
        let dir = try ranExperiment("hsiflow-deploy-lite", text: text)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = dir.appendingPathComponent("files")
        let cube = try ArrayFile.loadCube(path: files.appendingPathComponent("reduce/cube.npy").path)
        let test = try ArrayFile.loadLabelMap(path: files.appendingPathComponent("reduce/test.npy").path)
        let x = try PatchExtractor(size: 5).extract(from: cube, pixels: test.labelledPixels)
        let patches = dir.appendingPathComponent("patches.npy").path
        try Npy.write(NumericArray(float32: x.scalars, shape: x.shape), to: patches)
        func hsiflow(_ model: String) throws -> NumericArray {
            let out = dir.appendingPathComponent("\(model).hsiflow.npy")
            let run = try runHsiflow(["predict", "files/\(model).h5", patches, "--out", out.path], in: dir)
            try #require(run.status == 0, "\(run.stderr)")
            return try Npy.read(path: dir.appendingPathComponent("\(model).hsiflow.probabilities.npy").path)
        }
        func liteRT(_ file: String) throws -> NumericArray {
            let out = dir.appendingPathComponent("\(URL(fileURLWithPath: file).lastPathComponent).npy").path
            try #require(try LiteRTRunner.runModel(files.appendingPathComponent(file).path, inputs: patches, outputs: out) == 0)
            return try Npy.read(path: out)
        }
        func agreement(_ a: NumericArray, _ b: NumericArray) -> Double {
            let (x, y) = (argmaxRows(a), argmaxRows(b))
            return Double(zip(x, y).filter { $0 == $1 }.count) / Double(max(x.count, 1))
        }
        let (float, floatLite) = (try hsiflow("prune/model-40"), try liteRT("quantize/float-40.tflite"))
        #expect(floatLite.shape == float.shape)
        #expect(agreement(floatLite, float) >= 0.999)
        #expect(maxAbsDifference(floatLite.floats(), float.floats()) <= 1e-4)
        let (int8, int8Lite) = (try hsiflow("quantize/quantized-40"), try liteRT("quantize/quantized-40.tflite"))
        let a = agreement(int8Lite, int8)
        print("Indian Pines, PCA-100 cao pruned 40 %: int8 .tflite in LiteRT agrees with HSIFlow's int8 model on \(a) of \(x.shape[0]) test patches")
        #expect(a >= 0.99)
    }
}
