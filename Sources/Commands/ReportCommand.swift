// ReportCommand: `hsiflow report MANIFEST` — (re)write the HTML report of a run from its
// manifest, optionally compared with other runs: `--compare OTHER` adds the diff against it and
// the overlaid curves; `--compare A B …` the curves and key metrics of this run beside them.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html (and figures/) beside a results manifest.")

    @Argument(help: "A manifest.json, or the results folder holding it.")
    var manifest: String

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Other runs' manifests (or folders) to compare with: one gives a diff too, several give mean ± std when they differ only by seed.", valueName: "other"))
    var compare: [String] = []

    @Option(help: ArgumentHelp("The cache directory the run used (default: $HSIFLOW_CACHE, else .hsiflow/cache).", valueName: "dir"))
    var cache: String?

    func run() throws {
        let (current, currentPath) = try DiffCommand.load(manifest)
        let others = try compare.map { try DiffCommand.load($0) }
        var comparison: ManifestDiff?
        if others.count == 1, let (other, otherPath) = others.first {
            comparison = ManifestDiff(old: other, oldPath: otherPath, new: current, newPath: currentPath)
        }
        let runs = others.isEmpty ? nil : Comparison([(current, currentPath)] + others.map { (manifest: $0.0, path: $0.1) })
        let url = try ReportWriter.write(current, into: URL(fileURLWithPath: currentPath).deletingLastPathComponent(),
                                         cacheRoot: FileStore.defaultRoot(flag: cache), comparison: comparison, runsCompared: runs)
        print("report: \(url.path)")
    }
}
