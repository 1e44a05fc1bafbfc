// DeploymentExport: the deployable forms `hsiflow export --format tflite|pipeline` adds to an
// export — each model output converted to `.tflite` (float, or dynamic-range int8 for an 8-bit
// quantized model), or wrapped with its fitted band transform, patch padding and class names into
// one `.pipeline.json` (ExperimentStages' DeploymentPipeline). The parts are found in the manifest:
// the transform from the nearest upstream stage that output one, the padding from the nearest
// train stage, class names and original labels from the load stage.
import ArgumentParser
import BandSelection
import Compression
import ExperimentStages
import FileFormats
import Foundation
import NeuralNet
import PipelineEngine
import PipelineModel
import SpectralData
import TFLite

/// What `export` writes besides (or instead of) the cache objects.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    /// The run's files as they are (models as HDF5).
    case h5
    /// As h5, plus every model as `.tflite` beside it.
    case tflite
    /// Only one `<model>.pipeline.json` per model: raw cube in, classes out.
    case pipeline
}

enum DeploymentExport {
    /// The `.tflite` bytes of a model file's bytes (float or 8-bit quantized HDF5); `name` names it in errors.
    static func tflite(_ data: Data, name: String) throws -> Data {
        do {
            if QuantizedModelFile.isQuantized(data) {
                return Data(try TFLiteConverter.fileBytes(for: try ModelArtifacts.quantizedModel(data)))
            }
            return Data(try TFLiteConverter.fileBytes(for: try ModelFile.decode(data, source: name).model))
        } catch let error as TFLiteError {
            throw UserInputError("\(name): \(error.description)")
        } catch let error as UserInputError {
            throw error
        } catch {
            throw UserInputError("\(name): the model does not load for .tflite export: \(error)")
        }
    }

    /// The pipeline of the model `output` of `stage`, from the manifest's upstream stages.
    static func pipeline(model data: Data, output: String, stage: Manifest.StageEntry, manifest: Manifest, store: FileStore) throws -> Data {
        let name = "\(stage.id) \(output)"
        let byID = Dictionary(manifest.stages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let lineage = ancestors(of: stage, in: byID)
        func read(_ entry: Manifest.StageEntry, _ output: String) throws -> Data? {
            guard let o = entry.outputs.first(where: { $0.name == output }) else { return nil }
            guard let bytes = try store.read(ObjectRef(sha256: o.sha256, bytes: o.bytes)) else {
                throw UserInputError("\(entry.id) \(output) is not in the cache; rerun the experiment, then export again")
            }
            return bytes
        }
        // The model's runnable form tells the band count an identity transform must keep.
        let model: Sequential
        do {
            model = QuantizedModelFile.isQuantized(data) ? try ModelArtifacts.quantizedModel(data).dequantizedModel
                                                         : try ModelFile.decode(data, source: name).model
        } catch {
            throw UserInputError("\(name): the model does not load: \(error)")
        }
        let transform: FittedBandTransform
        if let source = lineage.first(where: { $0.outputs.contains { $0.name == "transform" } }), let recordData = try read(source, "transform") {
            do {
                let record = try JSONDecoder().decode(BandTransformRecord.self, from: recordData)
                var components: Matrix?
                if let c = try read(source, "components") {
                    let array = try Npy.decode([UInt8](c), source: "\(source.id) components")
                    guard array.shape.count == 2 else { throw UserInputError("\(source.id) components: not a matrix (shape \(array.shapeText))") }
                    components = try Matrix(rows: array.shape[0], columns: array.shape[1], values: array.doubles())
                }
                transform = try FittedBandTransform(record: record, components: components)
            } catch let error as UserInputError {
                throw error
            } catch {
                throw UserInputError("\(source.id) transform: \(error); rerun the experiment to rewrite it")
            }
        } else {
            // No band-select upstream: the model reads the raw bands as they are.
            let bands = model.inputShape.last ?? 0
            transform = FittedBandTransform(normalization: try FittedNormalization(method: .none, offsets: .init(repeating: 0, count: bands),
                                                                                   scales: .init(repeating: 1, count: bands)),
                                            projection: .identity(bands: bands))
        }
        let padding = lineage.first { $0.kind == "train" }?.params["padding"]?.string.flatMap(PatchPadding.init(rawValue:)) ?? .zero
        let load = lineage.first { $0.kind == "load" }
        let classes = model.outputUnits
        var labels = Array(stride(from: 1, through: classes, by: 1))
        if let kept = load?.params["classes"]?.list?.compactMap(\.int), kept.count == classes { labels = kept }
        var names = labels.map { "class \($0)" }
        if let known = load?.metrics["class_names"]?.list?.compactMap(\.string), known.count == classes { names = known }
        do {
            return try DeploymentPipeline(transform: transform, modelBytes: data, padding: padding, classNames: names, labels: labels,
                                          source: name).encoded()
        } catch let error as ExperimentStagesError {
            throw UserInputError(error.description)
        }
    }

    /// `stage` and its upstream stages, nearest first (breadth-first over `needs`).
    static func ancestors(of stage: Manifest.StageEntry, in byID: [String: Manifest.StageEntry]) -> [Manifest.StageEntry] {
        var order: [Manifest.StageEntry] = []
        var seen: Set<String> = []
        var queue = [stage.id]
        while !queue.isEmpty {
            let id = queue.removeFirst()
            guard seen.insert(id).inserted, let entry = byID[id] else { continue }
            order.append(entry)
            queue += entry.needs
        }
        return order
    }
}
