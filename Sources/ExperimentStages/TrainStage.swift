// TrainStage (kind `train`): trains a network (the original "cao" CNN, or a layer list) on
// P×P patches around the training pixels of the upstream cube, then evaluates on the test
// pixels. Outputs: the model (Keras-layout HDF5), the loss/accuracy history (JSON), and the
// predicted classes of every labelled pixel as a map (int32 H×W .npy, and a colour PNG). Metrics: OA, AA, kappa, per-class accuracy,
// confusion matrix, loss/accuracy per epoch, samples/s.
import Attribution
import FileFormats
import Foundation
public import NeuralNet
public import PipelineEngine
public import PipelineModel
public import SpectralData
import Tensors

/// The `train` stage.
public struct TrainStage: StageKind {
    public init() {}
    public var kind: String { "train" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    /// Defaults of `resources:` (the heaviest stage: gemm on every core).
    public var resources: StageResources { StageResources(cpus: 2, memory: "4G", time: "4:00:00") }
    public var summary: String { "Train a CNN on patches of the training pixels and evaluate it on the test pixels." }
    public var inputs: [InputPort] {
        [InputPort(.cube, "the cube patches are cut from"), InputPort(.split, "train pixels to fit, test pixels to score")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.model, "the trained model"), OutputPort(.history, "loss and accuracy per epoch"),
         OutputPort(.predictions, "predicted class of every labelled pixel"), OutputPort(.images, "classmap.png")]
    }

    /// `model`: the built-in cao network, or a layer list (bare or as `{name, layers}`).
    public enum ModelChoice: ParameterValue, Equatable {
        case cao
        /// A layer list; a softmax Dense(classes) is appended unless it already ends in a softmax.
        case layers(ModelSpec)

        public static var parameterType: ParameterType {
            .oneOf([.choice(["cao"]), .checked(.list(.any, minCount: 1), summary: "list of layers", check: TrainStage.checkLayers),
                    .checked(.object([Parameter("name", .string, default: "custom", "the model's name"),
                                      Parameter("layers", .list(.any, minCount: 1), required: true, "the layer list")]),
                             summary: "{name, layers}", check: TrainStage.checkLayers)])
        }
        /// As a default only `cao` is ever written; a layer list is always the file's own value.
        public var parameterValue: ParamValue {
            if case .cao = self { return .string("cao") }
            return .null
        }
        /// `cao`, or the model spec (bare list or `{name, layers}`) decoded straight from the parameter value.
        public init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if (try? value.decode(String.self)) == "cao" { self = .cao } else { self = .layers(try value.decode(ModelSpec.self)) }
        }
    }

    /// The `optimizer` mapping; defaults are TrainingOptions' own.
    public struct Optimizer: ParameterGroup {
        @Param("name", "optimizer")
        public var name = TrainingOptions().optimizer.name
        @Param("lr", .number(min: 0, max: 10, exclusive: true), "learning rate")
        public var lr = TrainingOptions().optimizer.learningRate
        @Param("momentum", .number(min: 0, max: 1), "SGD momentum")
        public var momentum = TrainingOptions().optimizer.momentum
        public init() {}
    }

    /// The `train` parameters.
    public struct Parameters: ParameterGroup {
        @Param("model", "`cao`, or a list of layers as in a Keras-style spec ({kind: conv2d, filters: 8, kernel: [3, 3], activation: relu}, ...), bare or as {name, layers} (Docs/Models.md); a softmax Dense(classes) is appended unless the list already ends in a softmax")
        public var model = ModelChoice.cao
        @Param("patch", .checked(.integer(min: 1, max: 63), summary: "odd integer in [1, 63]",
                                 check: { ($0.int ?? 0) % 2 == 1 ? nil : "must be odd (a pixel is the patch's centre), found \($0.displayText)" }),
               "odd patch size P (P×P pixels around each labelled pixel)")
        public var patch = 5
        @Param("padding", "how patches are filled beyond the scene's border")
        public var padding = PatchPadding.zero
        @Param("epochs", .integer(min: 0, max: 100_000), "passes over the training pixels")
        public var epochs = TrainingOptions().epochs
        @Param("batch", .integer(min: 1, max: 1 << 20), "mini-batch size")
        public var batch = TrainingOptions().batchSize
        @Param("optimizer", "optimizer and learning rate")
        public var optimizer = Optimizer()
        public init() {}
    }

    /// nil when `value` decodes as a layer list, else why not.
    @Sendable static func checkLayers(_ value: ParamValue) -> String? {
        do {
            _ = try ParameterDecoder.decode(ModelSpec.self, from: value)
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

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let id = context.id.description
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "\(id) input cube")
        let train = try ArtifactCoding.labelMap(try context.input("train"), source: "\(id) train labels")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "\(id) test labels")
        guard train.height == cube.height, train.width == cube.width else {
            throw ExperimentStagesError.invalidInput(stage: id, reason: "train labels are \(train.height)×\(train.width), the cube \(cube.height)×\(cube.width)")
        }
        let classes = max(train.maxLabel, test.maxLabel)
        guard classes >= 2 else { throw ExperimentStagesError.invalidInput(stage: id, reason: "needs at least 2 classes, found \(classes)") }
        let patch = p.patch
        guard patch % 2 == 1 else { throw ExperimentStagesError.invalidInput(stage: id, reason: "patch must be odd, got \(patch)") }
        let extractor = try PatchExtractor(size: patch, padding: p.padding)

        let spec: ModelSpec
        switch p.model {
        case .layers(let decoded):
            spec = try Self.classifier(decoded, classes: classes, stage: id)
        case .cao:
            spec = ModelSpec.cao(classes: classes)
        }
        var model = try spec.build(inputShape: [patch, patch, cube.bands], seed: UInt64(context.seed))

        let trainPixels = train.labelledPixels
        guard !trainPixels.isEmpty else { throw ExperimentStagesError.invalidInput(stage: id, reason: "no training pixels") }
        let inputs = try extractor.extract(from: cube, pixels: trainPixels)
        let labels = trainPixels.map { Int(train.labels[$0]) - 1 }
        let optimizer = OptimizerSpec(name: p.optimizer.name, learningRate: p.optimizer.lr, momentum: p.optimizer.momentum)
        let options = TrainingOptions(epochs: p.epochs, batchSize: p.batch,
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
        let map = try classify(cube: cube, model: model, pixels: mapPixels, padding: extractor.padding).classMap
        let predicted = testPixels.map { Int(map[$0]) - 1 }
        let truth = testPixels.map { Int(test.labels[$0]) - 1 }
        let metrics = try ClassificationMetrics(truth: truth, predicted: predicted, classes: classes)

        try context.write("model", try ModelArtifacts.encode(model))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Loss and accuracy only: timings vary run to run and would defeat early cutoff downstream.
        try context.write("history", try encoder.encode(["loss": history.loss, "accuracy": history.accuracy]))
        try context.write("predictions", Data(Npy.encode(NumericArray(integers: map.map(Int.init), shape: [cube.height, cube.width], as: .int32))))
        try context.write("classmap.png", try ArtifactCoding.png(try ClassMapImage.render(try LabelMap(height: cube.height, width: cube.width, labels: map))))

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

}
