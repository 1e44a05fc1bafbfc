// SavedModel: opens a model file of either kind HSIFlow meets — a float model in the Keras legacy
// layout, or HSIFlow's own int8/4-bit quantized model (told apart by its `quantization`
// attribute) — as a runnable Sequential (a quantized one dequantized), for inspect and predict.
import Compression
import ExperimentStages
import FileFormats
import NeuralNet

/// A loaded model file.
enum SavedModel {
    case float(LoadedModel)
    case quantized(QuantizedModel)

    /// Loads `path` (in the isolated reader: one child process whichever kind it is); any problem
    /// is a UserInputError naming the file.
    static func load(path: String) throws -> SavedModel {
        let file: SavedModelFile
        do { file = try SavedModelFile.load(path: path) } catch {
            throw UserInputError(error.description)
        }
        switch file {
        case .float(let loaded):
            return .float(loaded)
        case .quantized(let contents):
            do { return .quantized(try ModelArtifacts.quantizedModel(fromContents: contents)) } catch let error as FileFormatsError {
                throw UserInputError(error.description)
            } catch {
                throw UserInputError("\(path): \(error)")
            }
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
