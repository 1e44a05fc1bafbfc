// ReportWriter: writes results/<name>/report.html and its figures/ folder — the only IO around
// the pure ReportPage. Image outputs are copied out of the cache, taken only by their validated
// SHA-256 and re-hashed on reading, under readable names (`figures/<stage-id>/<output-name>.png`,
// as `hsiflow export` names them), so a report stays readable after `hsiflow cache gc` and needs
// nothing but its own folder. The visualize stages' importance.json is read for the band charts.
// `figures/` and its stage folders must be real folders: a link planted there is refused, never
// written or emptied through (ContainedPath).
import FileSystem
import Foundation
import PipelineEngine
import PipelineModel
import Report

enum ReportWriter {
    /// Writes the report of `manifest` into `directory` (beside its manifest.json); returns its path.
    @discardableResult
    static func write(_ manifest: Manifest, into directory: URL, cacheRoot: URL, comparison: ManifestDiff? = nil,
                      runsCompared: Comparison? = nil) throws -> URL {
        let figuresDir = directory.appendingPathComponent("figures", isDirectory: true)
        let store = try? FileStore(root: cacheRoot, readOnly: true)
        var figures: [String: String] = [:]
        let importance = bandImportance(of: manifest, store: store)
        var folders = Set<String>()
        for stage in manifest.stages {
            let folder = ExportPlan.unique(ExportPlan.safeName(stage.id), among: &folders, folderOnly: true)
            var names = Set<String>()
            for output in stage.outputs where ExportPlan.isSHA256(output.sha256) && output.bytes >= 0 {
                let ref = ObjectRef(sha256: output.sha256, bytes: output.bytes)
                guard output.name.lowercased().hasSuffix(".png") || output.path.lowercased().hasSuffix(".png"),
                      figures[output.sha256] == nil, let data = read(ref, from: store) else { continue }
                var name = ExportPlan.safeName(output.name)
                if !name.lowercased().hasSuffix(".png") { name += ".png" }
                name = ExportPlan.unique(name, among: &names)
                let stageDir = try prepareFolder(["figures", folder], under: directory)
                try writeIfChanged(data, to: URL(fileURLWithPath: stageDir).appendingPathComponent(name))
                figures[output.sha256] = "figures/" + urlPath(folder) + "/" + urlPath(name)
            }
        }
        removeHashNamedFigures(in: figuresDir)
        var page = ReportPage(manifest: manifest, figures: figures, comparison: comparison, importance: importance)
        page.runsCompared = runsCompared
        let html = page.html()
        let url = directory.appendingPathComponent("report.html")
        try AtomicFile.write(Data(html.utf8), to: url.path)
        return url
    }

    /// The decoded `importance.json` of every visualize stage, by stage id (for the band-importance charts).
    static func bandImportance(of manifest: Manifest, store: FileStore?) -> [String: ParamValue] {
        var importance: [String: ParamValue] = [:]
        for stage in manifest.stages where stage.kind == "visualize" {
            guard let output = stage.outputs.first(where: { $0.name == "importance.json" }),
                  ExportPlan.isSHA256(output.sha256), output.bytes >= 0,
                  let data = read(ObjectRef(sha256: output.sha256, bytes: output.bytes), from: store),
                  let value = try? JSONDecoder().decode(ParamValue.self, from: data) else { continue }
            importance[stage.id] = value
        }
        return importance
    }

    /// An object's bytes, checked against its hash; nil when the cache lacks it or it is corrupt.
    static func read(_ ref: ObjectRef, from store: FileStore?) -> Data? {
        guard let store, store.contains(ref) else { return nil }
        return try? store.read(ref)
    }

    /// Makes `components` under `directory` real folders; a link or special file in the way is refused.
    static func prepareFolder(_ components: [String], under directory: URL) throws -> String {
        do { return try ContainedPath.prepareFolder(components, under: directory.path, intruder: .refuse) } catch {
            if error.isUnsafePath { throw UserInputError("refusing to write \(error.path): \(error.reason)") }
            throw WorkFailedError(error.description)
        }
    }

    /// Writes `data` to `target` through a temporary file and a rename, unless it holds them already
    /// (only a regular file is read to compare: a link or FIFO there is replaced, not read).
    static func writeIfChanged(_ data: Data, to target: URL) throws {
        if ContainedPath.kind(target.path) == .regular, let existing = FileManager.default.contents(atPath: target.path),
           existing == data { return }
        try AtomicFile.write(data, to: target.path)
    }

    /// A path component percent-encoded for an `src` attribute (`prune[bands=pca]` → `prune%5Bbands=pca%5D`).
    static func urlPath(_ component: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~=+,")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }

    /// Earlier reports named figures by hash (`figures/<16 hex>.png`); those copies are dropped.
    /// Only a real folder is looked into, and only its own files are removed (never through a link).
    static func removeHashNamedFigures(in folder: URL) {
        for name in ContainedPath.entries(of: folder.path) where name.count == 20 && name.hasSuffix(".png")
            && name.dropLast(4).utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
            ContainedPath.remove(folder.appendingPathComponent(name).path, inside: folder.deletingLastPathComponent().path)
        }
    }
}
