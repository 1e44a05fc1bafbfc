// SavedModel: opens a model file of either kind HSIFlow meets — a float model in the Keras legacy
// layout, or HSIFlow's own int8/4-bit quantized model (told apart by its `quantization`
// attribute) — as a model predict runs: a float Sequential, or a quantized model on the int8
// kernels (Int8Network), for inspect and predict.
import Compression
import Foundation
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
            if isTFLite(path) {
                throw UserInputError("\(path): a .tflite model runs in LiteRT (Docs/Deployment.md); give the .h5 it was exported from, or a pipeline file")
            }
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

    /// Whether `path` (a regular file the reader already refused) is a FlatBuffer with TFLite's
    /// identifier, to say where such a file runs instead of only that it is not HDF5.
    private static func isTFLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 8), head.count == 8 else { return false }
        return head.suffix(4).elementsEqual("TFL3".utf8)
    }

    /// The model that computes predictions: a float model as loaded (small batches on the
    /// low-latency plan), a quantized one on int8
    /// kernels (activations quantized per sample at run time, as TFLite's dynamic-range kernels).
    var runnable: any InferenceModel {
        switch self {
        case .float(let loaded): return InferencePlan(loaded.model)
        case .quantized(let model): return model.int8Network()
        }
    }
}
