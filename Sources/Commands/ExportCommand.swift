// ExportCommand: `hsiflow export RESULTS [--to DIR]` — copies what a run produced out of the
// cache under readable names (ExportPlan decides them), each object's hash checked and each file
// written atomically inside DIR only (ExportWriter), then prints a summary (files, bytes) or `--json`.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a run's models, transforms, figures and metrics (CSV) out of the cache under readable names.",
        discussion: """
            Writes <stage-id>/<output-name><ext> for every output (the extension from the file's \
            bytes: .h5, .png, .npy, .json), <stage-id>/metrics.csv with the scalar metrics, and one \
            CSV per list-of-objects metric (e.g. prune[bands=pca]/levels.csv). \
            --format tflite adds every model as <stage-id>/<output-name>.tflite for LiteRT (float, or \
            dynamic-range int8 for an 8-bit quantized model); --format pipeline writes only \
            <stage-id>/<output-name>.pipeline.json per model: normalization, band transform, model, \
            patch size and class names in one file that `hsiflow predict PIPELINE RAW_CUBE` applies \
            (Docs/Deployment.md).
            """)

    @Argument(help: "A results folder (holding manifest.json) or a manifest.json.", completion: .file(extensions: ["json"]))
    var results: String

    @Option(help: ArgumentHelp("Where to write (default: <RESULTS>/export).", valueName: "dir"), completion: .directory)
    var to: String?

    @Option(help: ArgumentHelp("The cache directory the run used (default: $HSIFLOW_CACHE, else .hsiflow/cache).", valueName: "dir"))
    var cache: String?

    @Option(help: "h5: the run's files as they are; tflite: also every model as .tflite; pipeline: one raw-cube-to-class pipeline file per model.")
    var format: ExportFormat = .h5

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// What an export wrote.
    struct Summary: Codable, Equatable {
        struct Line: Codable, Equatable {
            var path: String
            var bytes: Int
        }
        var schemaVersion = 1
        var directory: String
        var files: [Line]
        var bytes: Int

        func renderedText() -> String {
            let stages = Set(files.compactMap { $0.path.split(separator: "/").first }).count
            return "exported \(files.count) files (\(ByteCount.text(bytes))) for \(stages) stages to \(directory)"
        }
    }

    func run() throws {
        let (manifest, manifestPath) = try DiffCommand.load(results)
        let folder = URL(fileURLWithPath: manifestPath).deletingLastPathComponent()
        let target = to.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("export", isDirectory: true)
        let cacheRoot = FileStore.defaultRoot(flag: cache)
        let store: FileStore
        do { store = try FileStore(root: cacheRoot, readOnly: true) } catch {
            throw UserInputError("\(error.description)\nexport reads the run's outputs from the cache: pass --cache DIR (or set HSIFLOW_CACHE) to the cache the run used")
        }
        let plan = try ExportPlan(manifest: manifest, store: store, cacheDescription: cacheRoot.path, format: format)
        let summary = try ExportWriter.write(plan, into: target, store: store)
        print(json ? try EngineSupport.json(summary) : summary.renderedText())
    }
}
