// CompareCommand: `hsiflow compare A B C… [--to DIR] [--json]` — the headline curves and key
// metrics of several runs (manifests or results folders) on one page, DIR/comparison.html, and a
// text summary (or `--json`) on stdout; mean ± std when the runs differ only by seed.
import ArgumentParser
import FileSystem
import Foundation
import PipelineModel
import Report

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Overlay the headline curves and tabulate the key metrics of several runs.",
        discussion: """
            Writes DIR/comparison.html (script-free, offline) and prints a summary. Runs that differ \
            only by seed (same experiment, same parameters but `seed`) are averaged: mean ± sample \
            standard deviation per stage and level, drawn as a band. Runs that differ otherwise are \
            shown side by side with what differs, never averaged.
            """)

    @Argument(help: "Two or more runs: manifest.json files or results folders.", completion: .file(extensions: ["json"]))
    var runs: [String] = []

    @Option(help: ArgumentHelp("Where to write comparison.html (default: results/comparison).", valueName: "dir"), completion: .directory)
    var to: String = "results/comparison"

    @Flag(help: "Print the numbers as JSON instead of text.")
    var json = false

    func validate() throws {
        guard runs.count >= 2 else {
            throw ValidationError("compare needs at least two runs (manifest.json files or results folders), got \(runs.count)")
        }
    }

    /// What `--json` prints: where the page went, and the comparison's numbers.
    struct Output: Encodable {
        var schemaVersion = 1
        var page: String
        var comparison: Comparison
    }

    func run() throws {
        // Runs are named as typed (a folder or a file), which reads better than the absolute path.
        let comparison = Comparison(try runs.map { path in (manifest: try DiffCommand.load(path).0, path: path) })
        try Self.write(ComparisonPage(comparison: comparison).html(), into: URL(fileURLWithPath: to))
        let page = (to.hasSuffix("/") ? to : to + "/") + "comparison.html"
        if json {
            EngineSupport.print(try EngineSupport.json(Output(page: page, comparison: comparison)))
        } else {
            EngineSupport.print(ComparisonText.render(comparison) + "\n\npage: \(page)")
        }
    }

    /// Writes `html` as DIR/comparison.html (atomically); returns its path.
    @discardableResult
    static func write(_ html: String, into directory: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw UserInputError("\(directory.path) is a file; --to takes a folder to write comparison.html into")
        }
        let url = directory.appendingPathComponent("comparison.html")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(Data(html.utf8), to: url.path)
        } catch {
            throw UserInputError("cannot write \(url.path): \(error.localizedDescription)")
        }
        return url
    }
}
