// ModelInspection: what `hsiflow inspect MODEL.h5` shows — origin (Keras or HSIFlow version),
// input shape, per layer its type, output shape, activation and parameter count, and for HSIFlow's
// quantized models the bits, per-channel scales and size against float32. Built, then rendered.
import Compression
import FileFormats
import Foundation
import NeuralNet

/// The layers and sizes of a saved model.
struct ModelInspection: Codable, Equatable {
    struct LayerLine: Codable, Equatable {
        var name: String
        var type: String
        var outputShape: [Int]
        var activation: String
        var parameters: Int
    }

    /// How a quantized model's weights are stored, per Conv2D/Dense layer.
    struct Quantization: Codable, Equatable {
        struct LayerLine: Codable, Equatable {
            var name: String
            var kernelShape: [Int]
            /// One scale per output channel.
            var scales: Int
            var minScale: Double
            var maxScale: Double
            var bytes: Int
        }
        var bits: Int
        var scheme: String
        var layers: [LayerLine]
        /// Bytes of the weights stored as integers (plus Float32 scales and biases).
        var quantizedBytes: Int
        /// Bytes the same weights take as float32.
        var floatBytes: Int
        var sizeRatio: Double
        var fileBytes: Int?
    }

    var file: String
    var model: String
    var kerasVersion: String?
    var hsiflowVersion: String?
    var backend: String?
    var inputShape: [Int]
    var layers: [LayerLine]
    var parameters: Int
    var forwardFLOPsPerSample: Int
    var hasOptimizerWeights: Bool
    /// Present for HSIFlow's quantized model files.
    var quantization: Quantization?

    /// File extensions treated as model files.
    static let extensions = ["h5", "hdf5"]

    static func inspect(path: String) throws -> ModelInspection {
        switch try SavedModel.load(path: path) {
        case .float(let loaded):
            return make(path: path, model: loaded.model, kerasVersion: loaded.kerasVersion, hsiflowVersion: loaded.hsiflowVersion,
                        backend: loaded.backend, hasOptimizerWeights: loaded.hasOptimizerWeights, quantization: nil)
        case .quantized(let quantized):
            let layers = quantized.layers.map { (part: QuantizedLayerWeights) -> Quantization.LayerLine in
                let scales: [Float] = part.kernel.scales
                let minScale = Double(scales.min() ?? 0), maxScale = Double(scales.max() ?? 0)
                let bytes: Int = part.kernel.storageBytes + part.bias.count * 4
                return Quantization.LayerLine(name: part.layer, kernelShape: part.kernel.shape, scales: scales.count,
                                              minScale: minScale, maxScale: maxScale, bytes: bytes)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            let quantization = Quantization(bits: quantized.bits, scheme: QuantizedModelFile.scheme, layers: layers,
                                            quantizedBytes: quantized.quantizedBytes, floatBytes: quantized.floatBytes,
                                            sizeRatio: quantized.sizeRatio, fileBytes: size)
            return make(path: path, model: quantized.dequantizedModel, kerasVersion: nil, hsiflowVersion: nil, backend: nil,
                        hasOptimizerWeights: false, quantization: quantization)
        }
    }

    private static func make(path: String, model: Sequential, kerasVersion: String?, hsiflowVersion: String?, backend: String?,
                             hasOptimizerWeights: Bool, quantization: Quantization?) -> ModelInspection {
        let lines = zip(model.layers, model.outputShapes).map { layer, shape in
            LayerLine(name: layer.name, type: layer.spec.kind.rawValue, outputShape: shape,
                      activation: layer.activation.rawValue, parameters: layer.parameterCount)
        }
        return ModelInspection(file: path, model: model.name, kerasVersion: kerasVersion, hsiflowVersion: hsiflowVersion,
                               backend: backend, inputShape: model.inputShape, layers: lines,
                               parameters: model.parameterCount, forwardFLOPsPerSample: model.forwardFLOPsPerSample,
                               hasOptimizerWeights: hasOptimizerWeights, quantization: quantization)
    }

    func renderedText() -> String {
        var origin = hsiflowVersion.map { "HSIFlow \($0)" } ?? kerasVersion.map { "Keras \($0)" } ?? "unknown"
        if let backend { origin += " (\(backend))" }
        let format = quantization.map { "HSIFlow quantized HDF5: \($0.bits)-bit weights, one scale per output channel (Keras cannot load it)" }
            ?? "Keras legacy HDF5, saved by \(origin)\(hasOptimizerWeights ? ", with optimizer state" : "")"
        var text = """
            file      \(file)
            format    \(format)
            model     \(model), input \(inputShape.map(String.init).joined(separator: "×"))

            """
        var table = TextTable(["layer", "type", "output", "activation", "parameters"])
        for l in layers {
            table.add([l.name, l.type, l.outputShape.map(String.init).joined(separator: "×"), l.activation, String(l.parameters)])
        }
        text += table.rendered()
        text += "\ntotal     \(parameters) parameters, \(forwardFLOPsPerSample) FLOPs per sample (forward)"
        if let q = quantization {
            var scales = TextTable(["quantized layer", "kernel", "scales", "scale range", "bytes"])
            for l in q.layers {
                scales.add([l.name, l.kernelShape.map(String.init).joined(separator: "×"), String(l.scales),
                            "\(Self.short(l.minScale)) .. \(Self.short(l.maxScale))", String(l.bytes)])
            }
            text += "\n\n" + scales.rendered()
            text += "\nsize      \(q.quantizedBytes) bytes of weights vs \(q.floatBytes) as float32 (\(String(format: "%.1f", q.sizeRatio * 100))%)"
            if let fileBytes = q.fileBytes { text += "; file \(fileBytes) bytes" }
            text += "\n          predictions run on the dequantized weights (integer × scale)"
        }
        return text
    }

    private static func short(_ v: Double) -> String { String(format: "%.3g", v) }

    func renderedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
