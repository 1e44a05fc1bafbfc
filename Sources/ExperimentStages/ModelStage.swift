// ModelStage (kind `model`): brings an existing model file into the graph — a Keras 2 or 3
// `.h5` (the legacy HDF5 layout) or one HSIFlow wrote — so prune, quantize and visualize can work
// on any model, as the original's `visualization.py MODEL_FILE` did. The file is an input file:
// its content hash is part of the key. Output: model (re-encoded in HSIFlow's Keras layout).
import FileFormats
import Foundation
import NeuralNet
public import PipelineEngine
import PipelineModel

/// The `model` stage.
public struct ModelStage: StageKind {
    public init() {}
    public var kind: String { "model" }
    public var version: Int { 1 }
    /// Defaults of `resources:` (builds or reads one model).
    public var resources: StageResources { StageResources(cpus: 1, memory: "1G", time: "30:00") }
    public var summary: String {
        "Bring a model file (Keras 2/3 or HSIFlow `.h5`) into the graph, for prune, quantize and visualize (which still need a scene: cube and split from another ancestor)."
    }
    public var outputs: [OutputPort] { [OutputPort(.model, "the file's model, in HSIFlow's Keras layout")] }

    /// The `model` parameters.
    public struct Parameters: ParameterGroup {
        @Param(required: "path", .inputFile, "the .h5 model file (relative to the experiment file's folder)")
        public var path: String
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let path = p.path
        let url = context.url(forPath: path)
        context.progress(nil, "reading \(path)")
        let loaded: LoadedModel
        do { loaded = try ModelFile.load(path: url.path) } catch {
            throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                                     reason: "\(path) is not a model HSIFlow can read: \(error)")
        }
        try context.write("model", try ModelArtifacts.encode(loaded.model))
        context.metric("input_shape", .list(loaded.model.inputShape.map(ParamValue.int)))
        context.metric("parameters", .int(loaded.model.parameterCount))
        if let keras = loaded.kerasVersion { context.metric("keras_version", .string(keras)) }
        if let hsiflow = loaded.hsiflowVersion { context.metric("hsiflow_version", .string(hsiflow)) }
    }
}
