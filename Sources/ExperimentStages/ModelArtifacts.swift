// ModelArtifacts: how models travel between stages — float models as Keras HDF5 bytes,
// quantized models as HSIFlow's quantized HDF5 bytes (both built and read in memory, no
// temporary file) — and the labelled patches a model stage cuts from a cube.
public import Compression
public import FileFormats
public import Foundation
public import NeuralNet
import SpectralData
import Tensors

/// Encodes and decodes model artifacts.
public enum ModelArtifacts {
    /// A float model as Keras HDF5 bytes.
    public static func encode(_ model: Sequential) throws -> Data {
        try ModelFile.encode(model)
    }

    /// A float model from Keras HDF5 bytes.
    public static func model(_ data: Data) throws -> Sequential {
        try ModelFile.decode(data).model
    }

    /// A quantized model as HDF5 bytes.
    public static func encode(_ model: QuantizedModel) throws -> Data {
        let contents = QuantizedModelContents(
            spec: model.spec, inputShape: model.inputShape, bits: model.bits,
            layers: model.layers.map { QuantizedLayerContents(layer: $0.layer, kernelShape: $0.kernel.shape, values: $0.kernel.values,
                                                              scales: $0.kernel.scales, bias: $0.bias.scalars) })
        return try QuantizedModelFile.encode(contents)
    }

    /// A quantized model from HDF5 bytes.
    public static func quantizedModel(_ data: Data) throws -> QuantizedModel {
        try quantizedModel(fromContents: try QuantizedModelFile.decode(data))
    }

    /// A quantized model from a file HSIFlow's quantize stage wrote (or `hsiflow export` copied).
    public static func quantizedModel(path: String) throws -> QuantizedModel {
        try quantizedModel(fromContents: try QuantizedModelFile.load(path: path))
    }

    /// A quantized model from the contents of its file (as `SavedModelFile.load` gives them).
    public static func quantizedModel(fromContents stored: QuantizedModelContents) throws -> QuantizedModel {
        try QuantizedModel(spec: stored.spec, inputShape: stored.inputShape, bits: stored.bits, layers: stored.layers.map {
            QuantizedLayerWeights(layer: $0.layer,
                                  kernel: try QuantizedTensor(shape: $0.kernelShape, bits: stored.bits, values: $0.values, scales: $0.scales),
                                  bias: Tensor(shape: [$0.bias.count], scalars: $0.bias))
        })
    }

    /// Square patches (the model's input size) around every labelled pixel, with 0-based classes.
    static func samples(_ cube: Cube, _ labels: LabelMap, patch: Int) throws -> LabelledSamples {
        let pixels = labels.labelledPixels
        let x = try PatchExtractor(size: patch).extract(from: cube, pixels: pixels)
        return try LabelledSamples(inputs: x, labels: pixels.map { Int(labels.labels[$0]) - 1 })
    }
}
