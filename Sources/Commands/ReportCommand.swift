// ReportCommand: `hsiflow report MANIFEST` — (re)write the HTML report of a run from its
// manifest, optionally with a comparison against another run (`--compare OTHER`).
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html (and figures/) beside a results manifest.")

    @Argument(help: "A manifest.json, or the results folder holding it.")
    var manifest: String

    @Option(help: ArgumentHelp("Another run's manifest (or folder) to compare with.", valueName: "other"))
    var compare: String?

    @Option(help: ArgumentHelp("The cache directory the run used (default: $HSIFLOW_CACHE, else .hsiflow/cache).", valueName: "dir"))
    var cache: String?

    func run() throws {
        let (current, currentPath) = try DiffCommand.load(manifest)
        var comparison: ManifestDiff?
        if let compare {
            let (other, otherPath) = try DiffCommand.load(compare)
            comparison = ManifestDiff(old: other, oldPath: otherPath, new: current, newPath: currentPath)
        }
        let url = try ReportWriter.write(current, into: URL(fileURLWithPath: currentPath).deletingLastPathComponent(),
                                         cacheRoot: FileStore.defaultRoot(flag: cache), comparison: comparison)
        print("report: \(url.path)")
    }
}
