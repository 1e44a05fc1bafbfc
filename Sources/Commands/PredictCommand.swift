// PredictCommand: `hsiflow predict MODEL INPUT` — applies a saved model (HSIFlow's or Keras', float
// or HSIFlow-quantized, run on int8 kernels) to an array of patches (N×h×w×B) or to a whole cube
// (H×W×B, every pixel's centred patch, through NeuralNet's classify(cube:model:)) and writes class
// indices and probabilities as .npy files. MODEL may also be a pipeline file (`export --format
// pipeline`): then INPUT is a raw cube, normalized and band-reduced as in training before the model
// runs. Builds a result first, then renders it.
import ArgumentParser
import BandSelection
import ExperimentStages
import FileFormats
import Foundation
import NeuralNet
import PipelineEngine
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
            the model's training data was scaled — or give a pipeline file (hsiflow export RESULTS \
            --format pipeline) as MODEL and the raw cube as INPUT: the pipeline normalizes and \
            reduces the bands as in training, cuts the patches and names the classes.
            """)

    @Argument(help: "Model file (.h5: Keras legacy layout, or HSIFlow's int8/4-bit quantized model, run on int8 kernels), or a pipeline file (.pipeline.json).")
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

    @Flag(name: .long, help: "Also time the model (median and p10/p90 µs per sample at batch 1 and at --batch, on the first 256 samples, after a warm-up), recording the threads used.")
    var latency = false

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        if let patch, patch < 1 || patch % 2 == 0 { throw ValidationError("--patch must be an odd number ≥ 1, got \(patch)") }
    }

    func run() throws {
        memory.apply()
        let result = try Prediction.run(modelPath: model, inputPath: input, patch: patch, batchSize: batch, measureLatency: latency)
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
    /// Timings through the one latency routine, when asked for: batch 1, then the prediction batch.
    var latency: [LatencyStatistics] = []
    /// Class names (from a pipeline), in output order; empty for a bare model.
    var classNames: [String] = []
    /// What a pipeline did before the model ran; nil for a bare model.
    var pipelineSummary: String?

    /// `x.npy` → `x.probabilities.npy`.
    static func probabilitiesPath(for classesPath: String) -> String {
        let url = URL(fileURLWithPath: classesPath)
        let stem = url.pathExtension.lowercased() == "npy" ? url.deletingPathExtension().path : url.path
        return stem + ".probabilities.npy"
    }

    /// Times `model` at batch 1 and at `batchSize` on the first (at most 256) samples of `x`.
    static func timings(_ model: inout any InferenceModel, _ x: Tensor, batchSize: Int) -> [LatencyStatistics] {
        let sample = x.slicing(rows: 0 ..< min(256, x.shape[0]))
        return [1, batchSize].map { b in
            Latency.measure(&model, sample: sample, batchSize: b, warmup: 3, repeats: b == 1 ? 200 : 20)
        }
    }

    static func run(modelPath: String, inputPath: String, patch: Int?, batchSize: Int, measureLatency: Bool = false) throws -> Prediction {
        for path in [modelPath, inputPath] {
            if let problem = InputFile.problem(at: path) { throw UserInputError("\(path) \(problem)") }
        }
        if let data = try pipelineFile(modelPath) {
            return try runPipeline(data, modelPath: modelPath, inputPath: inputPath, patch: patch, batchSize: batchSize)
        }
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
        return try asUserInput(input: inputPath) {
            switch array.shape.count {
            case 4:
                guard Array(array.shape.dropFirst()) == inputShape else {
                    throw UserInputError("\(inputPath): patches of shape \(array.shapeText) do not fit the model's input \(inputShape.map(String.init).joined(separator: "×")) per sample")
                }
                let x = Tensor(shape: array.shape, scalars: array.floats())
                let p = try model.predict(x, batchSize: batchSize)
                var prediction = Prediction(modelName: model.name, modelInput: inputShape, fromCube: false, classes: p.argmaxRows(),
                                            classShape: [array.shape[0]], probabilities: p, probabilityShape: [array.shape[0], units], units: units)
                if measureLatency { prediction.latency = timings(&model, x, batchSize: batchSize) }
                return prediction
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
                var prediction = Prediction(modelName: model.name, modelInput: inputShape, fromCube: true, classes: result.classMap.map { Int($0) },
                                            classShape: [cube.height, cube.width], probabilities: result.probabilities,
                                            probabilityShape: [cube.height, cube.width, units], units: units)
                if measureLatency {
                    let x = try PatchExtractor(size: size).extract(from: cube, pixels: Array(0 ..< min(256, cube.pixelCount)))
                    prediction.latency = timings(&model, x, batchSize: batchSize)
                }
                return prediction
            default:
                throw UserInputError("\(inputPath): expected patches (N×h×w×B) or a cube (H×W×B), found a \(array.shape.count)-D array of shape \(array.shapeText)")
            }
        }
    }

    /// A pipeline file applied to a raw cube.
    /// The bytes of `path` when it is a pipeline file (JSON: its first non-blank byte is `{`), read
    /// only after that check and within the memory budget; nil for any other file (a model).
    static func pipelineFile(_ path: String) throws -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64),
              head.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        do { try MemoryBudget.check(size, "the pipeline file", path: path) } catch { throw UserInputError(error.description) }
        try? handle.seek(toOffset: 0)
        guard let data = try? handle.readToEnd(), DeploymentPipeline.looksLikePipeline(data) else { return nil }
        return data
    }

    static func runPipeline(_ data: Data, modelPath: String, inputPath: String, patch: Int?, batchSize: Int) throws -> Prediction {
        try asUserInput(input: inputPath) {
            let pipeline = try DeploymentPipeline.decode(data, source: modelPath)
            if let patch, patch != pipeline.patch {
                throw UserInputError("--patch \(patch) does not match the pipeline's \(pipeline.patch)×\(pipeline.patch) patches; leave --patch out")
            }
            let array = try ArrayFile.read(path: inputPath).array
            guard array.shape.count == 3 else {
                throw UserInputError("\(inputPath): a pipeline classifies a raw cube H×W×B, found a \(array.shape.count)-D array of shape \(array.shapeText)")
            }
            let cube = try array.cube(source: inputPath)
            let result = try pipeline.classify(rawCube: cube, source: inputPath, batchSize: batchSize)
            let units = pipeline.model.outputUnits
            var prediction = Prediction(modelName: pipeline.model.name, modelInput: pipeline.model.inputShape,
                                        fromCube: true, classes: result.classMap.map { Int($0) }, classShape: [cube.height, cube.width],
                                        probabilities: result.probabilities, probabilityShape: [cube.height, cube.width, units], units: units)
            prediction.classNames = pipeline.classNames
            prediction.pipelineSummary = "pipeline \(URL(fileURLWithPath: modelPath).lastPathComponent): \(pipeline.transformSummary), \(pipeline.patch)×\(pipeline.patch) patches, model \(pipeline.model.name)\(pipeline.isQuantized ? " (int8 kernels)" : "")"
            return prediction
        }
    }

    /// Runs `body`, turning the errors of bad input it can meet (a damaged or mismatched file, a
    /// model or pipeline that does not fit the data) into UserInputError, exit 2.
    static func asUserInput<T>(input inputPath: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UserInputError {
            throw error
        } catch let error as ExperimentStagesError {
            throw UserInputError(error.description)
        } catch let error as FileFormatsError {
            throw UserInputError(error.description)
        } catch let error as SpectralDataError {
            throw UserInputError(error.description)
        } catch let error as NeuralNetError {
            throw UserInputError(error.description)
        } catch let error as BandSelectionError {
            throw UserInputError("\(inputPath): \(error.description)")
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
        if let pipelineSummary {
            let counts = classCounts.map { "\($0.label) \(classNames.indices.contains($0.label - 1) ? classNames[$0.label - 1] : ""): \($0.count)" }
            return """
                \(pipelineSummary) → class map \(classShape.map(String.init).joined(separator: "×")) (labels 1…\(units))
                per class: \(counts.joined(separator: ", "))
                wrote \(classesPath) and \(probabilitiesPath)
                """
        }
        let what = fromCube ? "class map \(classShape.map(String.init).joined(separator: "×")) (labels 1…\(units))"
                            : "\(classes.count) patches (class indices 0…\(units - 1))"
        let counts = classCounts.map { "\($0.label): \($0.count)" }.joined(separator: ", ")
        return """
            model \(modelName) (input \(modelInput.map(String.init).joined(separator: "×")), \(units) classes) → \(what)
            per class: \(counts)
            wrote \(classesPath) and \(probabilitiesPath)
            """ + latency.map { t in
                "\nlatency at batch \(t.batchSize): median \(String(format: "%.1f", t.medianMicroseconds)) µs per sample " +
                "(p10 \(String(format: "%.1f", t.p10Microseconds)), p90 \(String(format: "%.1f", t.p90Microseconds)); " +
                "\(t.repeats) timed calls on \(t.threads) thread(s); other work on the machine slows it)"
            }.joined()
    }
}
