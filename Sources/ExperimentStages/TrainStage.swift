// TrainStage (kind `train`): trains a network (the original "cao" CNN, or a layer list) on
// P×P patches around the training pixels of the upstream cube, then evaluates on the test
// pixels. Outputs: the model (Keras-layout HDF5), the loss/accuracy history (JSON), and the
// predicted classes of every labelled pixel as a map (int32 H×W .npy, and a colour PNG). Metrics: OA, AA, kappa, per-class accuracy,
// confusion matrix, loss/accuracy per epoch, samples/s.
import FileFormats
import Foundation
import NeuralNet
public import PipelineEngine
import PipelineModel
import SpectralData
import Tensors

/// The `train` stage.
public struct TrainStage: StageKind {
    public init() {}
    public var kind: String { "train" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    public var summary: String { "Train a CNN on patches of the training pixels and evaluate it on the test pixels." }
    public var inputs: [InputPort] {
        [InputPort(.cube, "the cube patches are cut from"), InputPort(.split, "train pixels to fit, test pixels to score")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.model, "the trained model"), OutputPort(.history, "loss and accuracy per epoch"),
         OutputPort(.predictions, "predicted class of every labelled pixel"), OutputPort(.images, "classmap.png")]
    }

    public var parameters: [Parameter] {
        [
            Parameter("model", .oneOf([.choice(["cao"]), .checked(.list(.any, minCount: 1), summary: "list of layers", check: TrainStage.checkLayers),
                                       .checked(.object([Parameter("name", .string, default: "custom", "the model's name"),
                                                         Parameter("layers", .list(.any, minCount: 1), required: true, "the layer list")]),
                                                summary: "{name, layers}", check: TrainStage.checkLayers)]), default: "cao",
                      "`cao`, or a list of layers as in a Keras-style spec ({kind: conv2d, filters: 8, kernel: [3, 3], activation: relu}, ...), bare or as {name, layers} (Docs/Models.md); a softmax Dense(classes) is appended unless the list already ends in a softmax"),
            Parameter("patch", .checked(.integer(min: 1, max: 63), summary: "odd integer in [1, 63]",
                                        check: { ($0.int ?? 0) % 2 == 1 ? nil : "must be odd (a pixel is the patch's centre), found \($0.displayText)" }),
                      default: 5, "odd patch size P (P×P pixels around each labelled pixel)"),
            Parameter("padding", .choice(["zero", "reflect"]), default: "zero", "how patches are filled beyond the scene's border"),
            Parameter("epochs", .integer(min: 0, max: 100_000), default: 10, "passes over the training pixels"),
            Parameter("batch", .integer(min: 1, max: 1 << 20), default: 128, "mini-batch size"),
            Parameter("optimizer", .object([
                Parameter("name", .choice(["adam", "sgd"]), default: "adam", "optimizer"),
                Parameter("lr", .number(min: 0, max: 10, exclusive: true), default: 0.001, "learning rate"),
                Parameter("momentum", .number(min: 0, max: 1), default: 0, "SGD momentum"),
            ]), default: [:], "optimizer and learning rate"),
        ]
    }

    /// nil when `value` decodes as a layer list, else why not.
    @Sendable static func checkLayers(_ value: ParamValue) -> String? {
        do {
            _ = try JSONDecoder().decode(ModelSpec.self, from: Data(value.canonicalJSON.utf8))
            return nil
        } catch let DecodingError.dataCorrupted(context) {
            return "not a layer list: \(context.debugDescription)"
        } catch let DecodingError.keyNotFound(key, _) {
            return "not a layer list: a layer has no '\(key.stringValue)'"
        } catch let DecodingError.typeMismatch(_, context) {
            return "not a layer list: \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        } catch {
            return "not a layer list: \(error)"
        }
    }

    public func run(_ context: StageContext) throws {
        let id = context.id.description
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "\(id) input cube")
        let train = try ArtifactCoding.labelMap(try context.input("train"), source: "\(id) train labels")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "\(id) test labels")
        guard train.height == cube.height, train.width == cube.width else {
            throw ExperimentStagesError.invalidInput(stage: id, reason: "train labels are \(train.height)×\(train.width), the cube \(cube.height)×\(cube.width)")
        }
        let classes = max(train.maxLabel, test.maxLabel)
        guard classes >= 2 else { throw ExperimentStagesError.invalidInput(stage: id, reason: "needs at least 2 classes, found \(classes)") }
        let patch = try context.int("patch")
        guard patch % 2 == 1 else { throw ExperimentStagesError.invalidInput(stage: id, reason: "patch must be odd, got \(patch)") }
        let extractor = try PatchExtractor(size: patch, padding: PatchPadding(rawValue: try context.string("padding")) ?? .zero)

        let spec: ModelSpec
        if let model = context.params["model"], model.string == nil {
            let decoded = try JSONDecoder().decode(ModelSpec.self, from: Data(model.canonicalJSON.utf8))
            spec = try Self.classifier(decoded, classes: classes, stage: id)
        } else {
            spec = ModelSpec.cao(classes: classes)
        }
        var model = try spec.build(inputShape: [patch, patch, cube.bands], seed: UInt64(context.seed))

        let trainPixels = train.labelledPixels
        guard !trainPixels.isEmpty else { throw ExperimentStagesError.invalidInput(stage: id, reason: "no training pixels") }
        let inputs = try extractor.extract(from: cube, pixels: trainPixels)
        let labels = trainPixels.map { Int(train.labels[$0]) - 1 }
        let opt = context.params["optimizer"]?.object ?? [:]
        let optimizer = OptimizerSpec(name: OptimizerSpec.Name(rawValue: opt["name"]?.string ?? "adam") ?? .adam,
                                      learningRate: opt["lr"]?.number ?? 0.001, momentum: opt["momentum"]?.number ?? 0)
        let options = TrainingOptions(epochs: try context.int("epochs"), batchSize: try context.int("batch"),
                                      optimizer: optimizer, seed: UInt64(context.seed))
        let history = try model.fit(inputs: inputs, labels: labels, options: options) { p in
            let done = Double(p.epoch - 1) + Double(p.batch) / Double(max(p.batches, 1))
            context.progress(done / Double(max(p.epochs, 1)),
                             "epoch \(p.epoch)/\(p.epochs) loss \(String(format: "%.4f", p.loss)) acc \(String(format: "%.3f", p.accuracy))")
        }

        // Predict every labelled pixel (train and test) for the class map; score the test pixels.
        let testPixels = test.labelledPixels
        let mapPixels = (trainPixels + testPixels).sorted()
        context.progress(nil, "predicting \(mapPixels.count) labelled pixels")
        let probabilities = try model.predict(count: mapPixels.count, batchSize: 512) { range in
            try extractor.extract(from: cube, pixels: Array(mapPixels[range]))
        }
        let predictedAll = probabilities.argmaxRows()
        var predictedAt: [Int: Int] = [:]
        for (pixel, p) in zip(mapPixels, predictedAll) { predictedAt[pixel] = p }
        let predicted = testPixels.map { predictedAt[$0] ?? -1 }
        let truth = testPixels.map { Int(test.labels[$0]) - 1 }
        let metrics = try ClassificationMetrics(truth: truth, predicted: predicted, classes: classes)
        let map = try ClassMap.make(height: cube.height, width: cube.width, pixels: mapPixels, classes: predictedAll)

        // The model through a temporary file (HDF5 writes files), then into the cache.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hsiflow-model-\(UUID().uuidString).h5")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try ModelFile.save(model, to: tmp.path)
        try context.write("model", try Data(contentsOf: tmp))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Loss and accuracy only: timings vary run to run and would defeat early cutoff downstream.
        try context.write("history", try encoder.encode(["loss": history.loss, "accuracy": history.accuracy]))
        try context.write("predictions", Data(Npy.encode(NumericArray(integers: map.map(Int.init), shape: [cube.height, cube.width], as: .int32))))
        try context.write("classmap.png", Data(try Png.encode(TrainStage.colored(map, height: cube.height, width: cube.width))))

        func rounded(_ x: Double) -> ParamValue { .double((x * 1e6).rounded() / 1e6) }
        context.metric("oa", rounded(metrics.overallAccuracy))
        context.metric("aa", rounded(metrics.averageAccuracy))
        context.metric("kappa", rounded(metrics.kappa))
        context.metric("per_class_accuracy", .list(metrics.perClassAccuracy.map { $0.map(rounded) ?? .null }))
        context.metric("confusion", .list(metrics.confusion.map { .list($0.map(ParamValue.int)) }))
        context.metric("loss", .list(history.loss.map(rounded)))
        context.metric("accuracy", .list(history.accuracy.map(rounded)))
        context.metric("samples_per_second", .double(history.samplesPerSecond.rounded()))
        context.metric("parameters", .int(model.parameterCount))
        context.metric("train_samples", .int(trainPixels.count))
        context.metric("test_samples", .int(testPixels.count))
    }

    /// A layer list made a classifier of `classes` classes: a softmax Dense(classes) is appended
    /// unless the list already ends in a softmax, whose width must then be `classes`.
    static func classifier(_ spec: ModelSpec, classes: Int, stage: String) throws -> ModelSpec {
        guard let last = spec.layers.last else { throw ExperimentStagesError.invalidInput(stage: stage, reason: "the model has no layers") }
        let endsInSoftmax = last.kind == .softmax || (last.activation == .softmax && (last.kind == .dense || last.kind == .activation))
        guard endsInSoftmax else {
            return ModelSpec(name: spec.name, layers: spec.layers + [.dense(units: classes, activation: .softmax, name: "predictions")])
        }
        let width = last.kind == .dense ? last.units : spec.layers.last(where: { $0.kind == .dense })?.units
        if let width, width != classes {
            throw ExperimentStagesError.invalidInput(stage: stage,
                reason: "the model ends in a softmax over \(width) units but the scene has \(classes) classes; end it with {kind: dense, units: \(classes), activation: softmax}, or leave the softmax out and it is added")
        }
        return spec
    }

    /// A class map as an RGB image: class k in a fixed palette, unlabelled pixels black.
    static func colored(_ map: [Int32], height: Int, width: Int) -> PixelImage {
        let palette: [[UInt8]] = [
            [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
            [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
            [170, 110, 40], [255, 250, 200], [128, 0, 0], [170, 255, 195],
        ]
        var pixels = [UInt8](repeating: 0, count: height * width * 3)
        for (i, label) in map.enumerated() where label > 0 {
            let c = palette[Int(label - 1) % palette.count]
            pixels[3 * i] = c[0]; pixels[3 * i + 1] = c[1]; pixels[3 * i + 2] = c[2]
        }
        return PixelImage(width: width, height: height, channels: 3, pixels: pixels)
    }
}
