// PredictCommand: `hsiflow predict MODEL INPUT` — applies a saved model (HSIFlow's or Keras', float
// or HSIFlow-quantized, run dequantized) to an array of patches (N×h×w×B) or to a whole cube
// (H×W×B, every pixel's centred patch, through NeuralNet's classify(cube:model:)) and writes class
// indices and probabilities as .npy files. Builds a result first, then renders it.
import ArgumentParser
import FileFormats
import Foundation
import NeuralNet
import SpectralData
import Tensors

/// `hsiflow predict`: class predictions from a saved model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Apply a saved model (HSIFlow's or Keras' .h5, float or HSIFlow-quantized) to patches or to a whole cube.",
        discussion: """
            INPUT is a .npy or .mat array: either patches N×h×w×B, giving 0-based class indices (N) \
            and probabilities (N×k); or a cube H×W×B, giving a class map H×W with labels 1…k (like a \
            ground-truth map) and probabilities H×W×k. The input is used as given: scale it the way \
            the model's training data was scaled.
            """)

    @Argument(help: "Model file (.h5: Keras legacy layout, or HSIFlow's int8/4-bit quantized model, run dequantized).")
    var model: String

    @Argument(help: "Patches (N×h×w×B) or a cube (H×W×B), .npy or .mat.")
    var input: String

    @Option(name: .long, help: "Where to write the classes (.npy); probabilities go beside it as <name>.probabilities.npy. Default: <input name>.classes.npy in the current folder.")
    var out: String?

    @Option(name: .long, help: "Patch size for a cube (odd); must match the model's input. Default: the model's input size.")
    var patch: Int?

    @Option(name: .long, help: "Samples per forward pass.")
    var batch: Int = 1024

    @OptionGroup var memory: MemoryOption

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        if let patch, patch < 1 || patch % 2 == 0 { throw ValidationError("--patch must be an odd number ≥ 1, got \(patch)") }
    }

    func run() throws {
        memory.apply()
        let result = try Prediction.run(modelPath: model, inputPath: input, patch: patch, batchSize: batch)
        let classesPath = out ?? URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent + ".classes.npy"
        let probabilitiesPath = Prediction.probabilitiesPath(for: classesPath)
        do {
            try Npy.write(NumericArray(integers: result.classes, shape: result.classShape, as: .int32), to: classesPath)
            try Npy.write(NumericArray(float32: result.probabilities.scalars, shape: result.probabilityShape), to: probabilitiesPath)
        } catch {
            throw UserInputError(error.description)
        }
        print(result.summary(classesPath: classesPath, probabilitiesPath: probabilitiesPath))
    }
}

/// The outcome of a prediction, independent of how it is shown or stored.
struct Prediction {
    var modelName: String
    var modelInput: [Int]
    /// True when the input was a cube (classes are then a 1-based class map).
    var fromCube: Bool
    var classes: [Int]
    var classShape: [Int]
    var probabilities: Tensor
    var probabilityShape: [Int]
    var units: Int

    /// `x.npy` → `x.probabilities.npy`.
    static func probabilitiesPath(for classesPath: String) -> String {
        let url = URL(fileURLWithPath: classesPath)
        let stem = url.pathExtension.lowercased() == "npy" ? url.deletingPathExtension().path : url.path
        return stem + ".probabilities.npy"
    }

    static func run(modelPath: String, inputPath: String, patch: Int?, batchSize: Int) throws -> Prediction {
        var model = try SavedModel.load(path: modelPath).runnable
        let array: NumericArray
        do {
            array = try ArrayFile.read(path: inputPath).array
        } catch {
            throw UserInputError(error.description)
        }
        let inputShape = model.inputShape
        guard inputShape.count == 3 else {
            throw UserInputError("\(modelPath): the model takes inputs of shape \(inputShape); predict handles image models (h×w×bands)")
        }
        let units = model.outputUnits
        do {
            switch array.shape.count {
            case 4:
                guard Array(array.shape.dropFirst()) == inputShape else {
                    throw UserInputError("\(inputPath): patches of shape \(array.shapeText) do not fit the model's input \(inputShape.map(String.init).joined(separator: "×")) per sample")
                }
                let x = Tensor(shape: array.shape, scalars: array.floats())
                let p = try model.predict(x, batchSize: batchSize)
                return Prediction(modelName: model.name, modelInput: inputShape, fromCube: false, classes: p.argmaxRows(),
                                  classShape: [array.shape[0]], probabilities: p, probabilityShape: [array.shape[0], units], units: units)
            case 3:
                let cube = try array.cube(source: inputPath)
                let size = patch ?? inputShape[0]
                guard size == inputShape[0], size == inputShape[1] else {
                    throw UserInputError("--patch \(size) does not match the model's \(inputShape[0])×\(inputShape[1]) input")
                }
                guard cube.bands == inputShape[2] else {
                    throw UserInputError("\(inputPath): the cube has \(cube.bands) bands, the model takes \(inputShape[2])")
                }
                let result = try classify(cube: cube, model: model, batchSize: batchSize)
                return Prediction(modelName: model.name, modelInput: inputShape, fromCube: true, classes: result.classMap.map { Int($0) },
                                  classShape: [cube.height, cube.width], probabilities: result.probabilities,
                                  probabilityShape: [cube.height, cube.width, units], units: units)
            default:
                throw UserInputError("\(inputPath): expected patches (N×h×w×B) or a cube (H×W×B), found a \(array.shape.count)-D array of shape \(array.shapeText)")
            }
        } catch let error as UserInputError {
            throw error
        } catch let error as FileFormatsError {
            throw UserInputError(error.description)
        } catch let error as SpectralDataError {
            throw UserInputError(error.description)
        } catch let error as NeuralNetError {
            throw UserInputError(error.description)
        }
    }

    /// Counts per predicted class, in class order (1-based labels for a cube, 0-based indices for patches).
    var classCounts: [(label: Int, count: Int)] {
        let offset = fromCube ? 1 : 0
        var counts = [Int](repeating: 0, count: units)
        for c in classes where c - offset >= 0 && c - offset < units { counts[c - offset] += 1 }
        return counts.enumerated().map { ($0.offset + offset, $0.element) }
    }

    func summary(classesPath: String, probabilitiesPath: String) -> String {
        let what = fromCube ? "class map \(classShape.map(String.init).joined(separator: "×")) (labels 1…\(units))"
                            : "\(classes.count) patches (class indices 0…\(units - 1))"
        let counts = classCounts.map { "\($0.label): \($0.count)" }.joined(separator: ", ")
        return """
            model \(modelName) (input \(modelInput.map(String.init).joined(separator: "×")), \(units) classes) → \(what)
            per class: \(counts)
            wrote \(classesPath) and \(probabilitiesPath)
            """
    }
}
