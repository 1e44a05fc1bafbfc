// ModelInspection: what `hsiflow inspect MODEL.h5` shows — origin (Keras or HSIFlow version),
// input shape, and per layer its type, output shape, activation and parameter count.
// A value built from the loaded model, rendered as a table or JSON.
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

    /// File extensions treated as model files.
    static let extensions = ["h5", "hdf5"]

    static func inspect(path: String) throws -> ModelInspection {
        let loaded: LoadedModel
        do {
            loaded = try ModelFile.load(path: path)
        } catch {
            throw UserInputError(error.description)
        }
        let model = loaded.model
        let lines = zip(model.layers, model.outputShapes).map { layer, shape in
            LayerLine(name: layer.name, type: layer.spec.kind.rawValue, outputShape: shape,
                      activation: layer.activation.rawValue, parameters: layer.parameterCount)
        }
        return ModelInspection(file: path, model: model.name, kerasVersion: loaded.kerasVersion, hsiflowVersion: loaded.hsiflowVersion,
                               backend: loaded.backend, inputShape: model.inputShape, layers: lines,
                               parameters: model.parameterCount, forwardFLOPsPerSample: model.forwardFLOPsPerSample,
                               hasOptimizerWeights: loaded.hasOptimizerWeights)
    }

    func renderedText() -> String {
        var origin = hsiflowVersion.map { "HSIFlow \($0)" } ?? kerasVersion.map { "Keras \($0)" } ?? "unknown"
        if let backend { origin += " (\(backend))" }
        var text = """
            file      \(file)
            format    Keras legacy HDF5, saved by \(origin)\(hasOptimizerWeights ? ", with optimizer state" : "")
            model     \(model), input \(inputShape.map(String.init).joined(separator: "×"))

            """
        var table = TextTable(["layer", "type", "output", "activation", "parameters"])
        for l in layers {
            table.add([l.name, l.type, l.outputShape.map(String.init).joined(separator: "×"), l.activation, String(l.parameters)])
        }
        text += table.rendered()
        text += "\ntotal     \(parameters) parameters, \(forwardFLOPsPerSample) FLOPs per sample (forward)"
        return text
    }

    func renderedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
