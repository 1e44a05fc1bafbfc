// DeploymentPipeline: one file that takes a raw cube to classes — the fitted normalization and band
// transform, the model (Keras HDF5 or HSIFlow's quantized HDF5, embedded), the patch size and
// padding, and the class names with their original labels. `hsiflow export --format pipeline`
// writes it from a run; `hsiflow predict PIPELINE CUBE` applies it. The file is JSON (schema
// version first), the model bytes base64 inside, so a deployment is one file to copy.
public import BandSelection
import Compression
import FileFormats
public import Foundation
public import NeuralNet
public import SpectralData

/// A fitted preprocessing + model, applied to raw cubes.
public struct DeploymentPipeline: Sendable {
    public static let currentSchemaVersion = 1
    public static let fileKind = "hsiflow-pipeline"

    /// Normalization and band projection fitted on the training scene (raw bands → model bands).
    public var transform: FittedBandTransform
    /// The model file's bytes (float Keras HDF5 or HSIFlow's quantized HDF5).
    public var modelBytes: Data
    /// The model that computes predictions: a float Sequential, or a quantized model on the int8
    /// kernels (Int8Network, as `hsiflow predict` runs a quantized model file).
    public let model: any InferenceModel
    /// Whether the embedded model is quantized (and runs on the int8 kernels).
    public var isQuantized: Bool { model is Int8Network }
    /// How patches are filled beyond the scene's border (as in training).
    public var padding: PatchPadding
    /// Name of each class, in output order.
    public var classNames: [String]
    /// The original ground-truth label of each class, in output order.
    public var labels: [Int]

    /// Checks that the parts fit: transform output bands = model input bands, one name and label per class.
    public init(transform: FittedBandTransform, modelBytes: Data, padding: PatchPadding, classNames: [String], labels: [Int],
                source: String) throws {
        let model = try Self.runnable(modelBytes, source: source)
        let input = model.inputShape
        guard input.count == 3, input[0] == input[1], input[0] % 2 == 1 else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the model takes inputs of shape \(input); a pipeline needs square odd patches P×P×bands")
        }
        guard transform.outputBands == input[2] else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the band transform gives \(transform.outputBands) bands, the model takes \(input[2])")
        }
        guard classNames.count == model.outputUnits, labels.count == model.outputUnits else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the model has \(model.outputUnits) classes but \(classNames.count) class names and \(labels.count) labels are given")
        }
        self.transform = transform
        self.modelBytes = modelBytes
        self.model = model
        self.padding = padding
        self.classNames = classNames
        self.labels = labels
    }

    /// Patch size P (the model's input height and width).
    public var patch: Int { model.inputShape[0] }
    /// Bands a raw cube must have.
    public var rawBands: Int { transform.inputBands }

    /// The embedded model, read like any model file from outside the cache: in the isolated
    /// reader (a pipeline file is shared between people, so its HDF5 bytes are untrusted).
    private static func runnable(_ bytes: Data, source: String) throws -> any InferenceModel {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hsiflow-pipeline-\(UUID().uuidString)")
        let file = folder.appendingPathComponent("model.h5")
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded: SavedModelFile
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try bytes.write(to: file)
            loaded = try SavedModelFile.load(path: file.path)
        } catch let error as FileFormatsError {
            let reason = error.description.replacingOccurrences(of: file.path, with: "the embedded model")
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the embedded model does not load: \(reason)")
        } catch {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the embedded model cannot be staged for reading: \(error)")
        }
        switch loaded {
        case .float(let model): return model.model
        case .quantized(let contents): return try ModelArtifacts.quantizedModel(fromContents: contents).int8Network()
        }
    }

    // MARK: - Applying

    /// Classifies every pixel of a raw cube: normalize and project its bands as in training, cut the
    /// patches, run the model. The class map holds labels 1…k (class index + 1), as the train stage's.
    public func classify(rawCube cube: Cube, source: String, batchSize: Int = 1024) throws -> SceneClassification {
        guard cube.bands == rawBands else {
            throw ExperimentStagesError.invalidPipeline(path: source,
                reason: "the cube has \(cube.bands) bands, the pipeline was fitted on \(rawBands)-band cubes (\(transformSummary)); give the raw cube of the same sensor")
        }
        let reduced = try transform.transform(cube: cube)
        return try NeuralNet.classify(cube: reduced, model: model, padding: padding, batchSize: batchSize)
    }

    /// "standard normalization, PCA 200 → 30 bands".
    public var transformSummary: String {
        let kind = transform.record.kind
        let projection = kind == .identity ? "all \(rawBands) bands" : "\(kind.rawValue.uppercased()) \(rawBands) → \(transform.outputBands) bands"
        return "\(transform.normalization.method.rawValue) normalization, \(projection)"
    }

    // MARK: - File

    /// The file's layout.
    struct Document: Codable {
        struct Components: Codable { var rows: Int; var columns: Int; var values: [Double] }
        var schemaVersion: Int
        var kind: String
        var patch: Int
        var padding: PatchPadding
        var rawBands: Int
        var modelBands: Int
        var classNames: [String]
        var labels: [Int]
        var transform: BandTransformRecord
        var components: Components?
        /// "keras-h5" or "hsiflow-quantized-h5".
        var modelFormat: String
        /// The model file, base64.
        var model: String
    }

    /// The pipeline file's bytes (sorted-key JSON).
    public func encoded() throws -> Data {
        let m = transform.componentsMatrix
        let document = Document(schemaVersion: Self.currentSchemaVersion, kind: Self.fileKind, patch: patch, padding: padding,
                                rawBands: rawBands, modelBands: transform.outputBands, classNames: classNames, labels: labels,
                                transform: transform.record, components: m.map { .init(rows: $0.rows, columns: $0.columns, values: $0.values) },
                                modelFormat: QuantizedModelFile.isQuantized(modelBytes) ? "hsiflow-quantized-h5" : "keras-h5",
                                model: modelBytes.base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(document) + Data([0x0A])
    }

    /// Reads a pipeline file's bytes; `source` names the file in every message.
    public static func decode(_ data: Data, source: String) throws -> DeploymentPipeline {
        struct Header: Decodable { var schemaVersion: Int?; var kind: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.kind == fileKind else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "not an HSIFlow pipeline file (JSON with kind \"\(fileKind)\"); write one with hsiflow export RESULTS --format pipeline")
        }
        guard header.schemaVersion == currentSchemaVersion else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "pipeline schema version \(header.schemaVersion.map(String.init) ?? "missing") is not \(currentSchemaVersion), the one this HSIFlow reads; export the pipeline again with this version")
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the pipeline file is damaged: \(error)")
        }
        guard let modelBytes = Data(base64Encoded: document.model) else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the embedded model is not valid base64")
        }
        let components = try document.components.map { c in try Matrix(rows: c.rows, columns: c.columns, values: c.values) }
        let transform: FittedBandTransform
        do { transform = try FittedBandTransform(record: document.transform, components: components) } catch {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the band transform is damaged: \(error)")
        }
        let pipeline = try DeploymentPipeline(transform: transform, modelBytes: modelBytes, padding: document.padding,
                                              classNames: document.classNames, labels: document.labels, source: source)
        guard pipeline.patch == document.patch, pipeline.rawBands == document.rawBands else {
            throw ExperimentStagesError.invalidPipeline(path: source, reason: "the header says \(document.patch)×\(document.patch) patches of \(document.rawBands) bands, the model and transform \(pipeline.patch)×\(pipeline.patch) of \(pipeline.rawBands)")
        }
        return pipeline
    }

    /// True when `data` starts like a pipeline file (JSON naming its kind), for commands that accept several file kinds.
    public static func looksLikePipeline(_ data: Data) -> Bool {
        data.prefix(64).first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
            && data.range(of: Data("\"kind\":\"\(fileKind)\"".utf8)) != nil
    }
}
