// ExportPlan: what `hsiflow export` will write, decided before anything is written — every
// stage output as `<stage-id>/<output-name><ext>` (taken from the cache by its validated SHA-256,
// extension sniffed from the bytes), every metrics table as CSV, and the report's study charts as
// SVG files under `study/` named after their titles, all under names made safe.
import Foundation
import PipelineEngine
import PipelineModel
import Report

/// The files an export writes, relative to its folder.
struct ExportPlan {
    enum Content {
        /// A cache object, by its (validated) hash and size.
        case object(ObjectRef)
        case text(String)
        /// Bytes made for the export (a .tflite or pipeline file).
        case data(Data)
    }

    struct File {
        /// Path components under the export folder (each one sanitized).
        var components: [String]
        var content: Content
        var relativePath: String { components.joined(separator: "/") }
    }

    var files: [File]

    /// Plans the export of `manifest`, reading only the first bytes of each object to learn its format.
    /// Throws UserInputError naming every output that is invalid in the manifest or missing from the cache.
    /// `format` adds deployable forms of the models (DeploymentExport).
    init(manifest: Manifest, store: FileStore, cacheDescription: String, format: ExportFormat = .h5) throws {
        var files: [File] = []
        var used = Set<String>()
        var problems: [String] = []
        var missing: [String] = []
        for stage in manifest.stages {
            let folder = ExportPlan.unique(ExportPlan.safeName(stage.id), among: &used, folderOnly: true)
            var names = Set<String>()
            for output in stage.outputs {
                guard ExportPlan.isSHA256(output.sha256), output.bytes >= 0 else {
                    problems.append("\(ExportPlan.printable(stage.id)): output '\(ExportPlan.printable(output.name))' has no valid SHA-256 (\"\(ExportPlan.printable(String(output.sha256.prefix(80))))\")")
                    continue
                }
                let ref = ObjectRef(sha256: output.sha256, bytes: output.bytes)
                guard store.contains(ref), let head = ExportPlan.head(of: ref, in: store) else {
                    missing.append("\(ExportPlan.printable(stage.id)) \(ExportPlan.printable(output.name)) (\(output.sha256.prefix(12))…)")
                    continue
                }
                let ext = ExportPlan.fileExtension(of: head, ref: ref, store: store)
                var name = ExportPlan.safeName(output.name)
                if !name.lowercased().hasSuffix(ext) { name += ext }
                let isModel = ext == ".h5"
                if format != .pipeline {
                    files.append(File(components: [folder, ExportPlan.unique(name, among: &names)], content: .object(ref)))
                }
                guard isModel, format != .h5 else { continue }
                guard let data = try store.read(ref) else { missing.append("\(ExportPlan.printable(stage.id)) \(ExportPlan.printable(output.name))"); continue }
                let label = "\(ExportPlan.printable(stage.id)) \(ExportPlan.printable(output.name))"
                let stem = ExportPlan.safeName(output.name)
                if format == .tflite {
                    // A quantize stage run with `tflite: true` already wrote this model's .tflite.
                    if stage.outputs.contains(where: { $0.name == output.name + ".tflite" }) { continue }
                    let bytes = try DeploymentExport.tflite(data, name: label)
                    files.append(File(components: [folder, ExportPlan.unique(stem + ".tflite", among: &names)], content: .data(bytes)))
                } else {
                    let bytes = try DeploymentExport.pipeline(model: data, output: output.name, stage: stage, manifest: manifest, store: store)
                    files.append(File(components: [folder, ExportPlan.unique(stem + ".pipeline.json", among: &names)], content: .data(bytes)))
                }
            }
            if format == .pipeline { continue }
            for table in MetricsTables(metrics: stage.metrics).tables {
                let name = ExportPlan.unique(ExportPlan.safeName(table.name) + ".csv", among: &names)
                files.append(File(components: [folder, name], content: .text(table.csv)))
            }
        }
        // The report's study charts as SVG files named after what they show.
        let charts = StudyCharts.all(manifest: manifest, importance: ReportWriter.bandImportance(of: manifest, store: store))
        if !charts.isEmpty, format != .pipeline {
            let folder = ExportPlan.unique("study", among: &used, folderOnly: true)
            var names = Set<String>()
            for chart in charts {
                let name = ExportPlan.unique(ExportPlan.safeName(ExportPlan.fileName(forTitle: chart.title)) + ".svg", among: &names)
                files.append(File(components: [folder, name], content: .text(chart.svg)))
            }
        }
        if format == .pipeline, problems.isEmpty, missing.isEmpty, files.isEmpty {
            throw UserInputError("this run has no models to deploy: --format pipeline wraps the models of train, prune or quantize stages")
        }
        if !problems.isEmpty {
            throw UserInputError("the manifest is invalid:\n  " + problems.joined(separator: "\n  ")
                                 + "\nexport takes outputs only by the SHA-256 the run recorded; rerun the experiment to rewrite its manifest")
        }
        if !missing.isEmpty {
            let shown = missing.prefix(10).joined(separator: "\n  ") + (missing.count > 10 ? "\n  … and \(missing.count - 10) more" : "")
            throw UserInputError("\(missing.count) output(s) of this run are not in the cache at \(cacheDescription):\n  \(shown)\n"
                                 + "pass the cache the run used (--cache DIR or HSIFLOW_CACHE), or rerun the experiment (hsiflow run FILE) to recompute them")
        }
        self.files = files
    }

    /// Manifest text fit to echo in a message: control characters (terminal escapes) shown as `?`.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }

    /// 64 lowercase hexadecimal digits.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// One safe path component: separators, control characters and NUL become `_`, and a name of
    /// only dots (`.`, `..`) or an empty one becomes underscores, so no name leaves its folder.
    static func safeName(_ text: String) -> String {
        var name = String(text.unicodeScalars.map { s -> Character in
            s == "/" || s == "\\" || s.value < 0x20 || s.value == 0x7F ? "_" : Character(s)
        })
        if name.allSatisfy({ $0 == "." }) { name = String(repeating: "_", count: max(name.count, 1)) }
        if name.utf8.count > 200 { name = String(name.prefix(200)) }
        return name
    }

    /// A chart title as a file name: lower case, every run of spaces and punctuation one `-`, stage
    /// ids kept (`explain[bands=pca]: saliency similarity to 0 % pruned` →
    /// `explain[bands=pca]-saliency-similarity-to-0-pruned`).
    static func fileName(forTitle title: String) -> String {
        var name = ""
        for s in title.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(s) || "[]=._".unicodeScalars.contains(s) {
                name.unicodeScalars.append(s)
            } else if !name.isEmpty, name.last != "-" {
                name.append("-")
            }
        }
        while name.last == "-" { name.removeLast() }
        return name.isEmpty ? "chart" : name
    }

    /// `name`, or `name-2`, `name-3`… when a sanitized name collides with one already used.
    static func unique(_ name: String, among used: inout Set<String>, folderOnly: Bool = false) -> String {
        var candidate = name
        var n = 2
        let url = URL(fileURLWithPath: name)
        let (stem, ext) = folderOnly || url.pathExtension.isEmpty ? (name, "") : (url.deletingPathExtension().lastPathComponent, "." + url.pathExtension)
        while used.contains(candidate.lowercased()) {
            candidate = "\(stem)-\(n)\(ext)"
            n += 1
        }
        used.insert(candidate.lowercased())
        return candidate
    }

    /// The first 16 bytes of a cache object (its hash is checked when it is copied).
    static func head(of ref: ObjectRef, in store: FileStore) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: store.root.appendingPathComponent(store.relativePath(of: ref)).path) else { return nil }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) ?? Data()
    }

    /// The extension of an object's format, from its first bytes: HDF5, PNG, NPY, TFLite, JSON, else `.bin`.
    static func fileExtension(of head: Data, ref: ObjectRef, store: FileStore) -> String {
        let bytes = [UInt8](head)
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return ".h5" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return ".png" }
        if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return ".npy" }
        if bytes.count >= 8, bytes[4..<8].elementsEqual("TFL3".utf8) { return ".tflite" }
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
           let data = try? store.read(ref), (try? JSONSerialization.jsonObject(with: data)) != nil {
            return ".json"
        }
        return ".bin"
    }
}
