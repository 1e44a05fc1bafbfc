// SavedModel: opens a model file of either kind HSIFlow meets — a float model in the Keras legacy
// layout, or HSIFlow's own int8/4-bit quantized model (told apart by its `quantization`
// attribute) — as a runnable Sequential (a quantized one dequantized), for inspect and predict.
import Compression
import Foundation
import ExperimentStages
import FileFormats
import NeuralNet

/// A loaded model file.
enum SavedModel {
    case float(LoadedModel)
    case quantized(QuantizedModel)

    /// Loads `path`; any problem is a UserInputError naming the file.
    static func load(path: String) throws -> SavedModel {
        if let head = FileHandle(forReadingAtPath: path).flatMap({ try? $0.read(upToCount: 8) }), head.count == 8,
           head.suffix(4).elementsEqual("TFL3".utf8) {
            throw UserInputError("\(path): a .tflite model runs in LiteRT (Docs/Deployment.md); give the .h5 it was exported from, or a pipeline file")
        }
        if QuantizedModelFile.isQuantized(path: path) {
            do { return .quantized(try ModelArtifacts.quantizedModel(path: path)) } catch let error as FileFormatsError {
                throw UserInputError(error.description)
            } catch {
                throw UserInputError("\(path): \(error)")
            }
        }
        do { return .float(try ModelFile.load(path: path)) } catch {
            throw UserInputError(error.description)
        }
    }

    /// The model that computes predictions: a quantized model's integer weights times their scales.
    var runnable: Sequential {
        switch self {
        case .float(let loaded): return loaded.model
        case .quantized(let model): return model.dequantizedModel
        }
    }
}
