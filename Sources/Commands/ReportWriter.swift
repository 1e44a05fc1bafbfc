// ReportWriter: writes results/<name>/report.html and its figures/ folder — the only IO around
// the pure ReportPage. Image outputs are copied out of the cache under their content hash, so a
// report stays readable after `hsiflow cache gc` and needs nothing but its own folder.
import Foundation
import PipelineModel
import Report

enum ReportWriter {
    /// Writes the report of `manifest` into `directory` (beside its manifest.json); returns its path.
    @discardableResult
    static func write(_ manifest: Manifest, into directory: URL, cacheRoot: URL, comparison: ManifestDiff? = nil,
                      runsCompared: Comparison? = nil) throws -> URL {
        let figuresDir = directory.appendingPathComponent("figures", isDirectory: true)
        var figures: [String: String] = [:]
        let images = manifest.stages.flatMap(\.outputs).filter { $0.name.lowercased().hasSuffix(".png") || $0.path.lowercased().hasSuffix(".png") }
        for image in images where figures[image.sha256] == nil {
            let source = cacheRoot.appendingPathComponent(image.path)
            let name = "\(image.sha256.prefix(16)).png"
            let target = figuresDir.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: target.path) {
                guard FileManager.default.fileExists(atPath: source.path) else { continue }
                try FileManager.default.createDirectory(at: figuresDir, withIntermediateDirectories: true)
                let temporary = figuresDir.appendingPathComponent(".\(name).partial")
                try? FileManager.default.removeItem(at: temporary)
                try FileManager.default.copyItem(at: source, to: temporary)
                guard rename(temporary.path, target.path) == 0 else {
                    throw WorkFailedError("cannot write \(target.path): \(String(cString: strerror(errno)))")
                }
            }
            figures[image.sha256] = "figures/\(name)"
        }
        var page = ReportPage(manifest: manifest, figures: figures, comparison: comparison)
        page.runsCompared = runsCompared
        let html = page.html()
        let url = directory.appendingPathComponent("report.html")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(html.utf8).write(to: url, options: .atomic)
        return url
    }
}
