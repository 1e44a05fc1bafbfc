// DiffCommand: `hsiflow diff A B` — parameters, metrics (old → new, delta), stages, artifacts and
// stages not reproduced (same key, different outputs) between two manifests (files or results
// folders), plus the environment and timings, which never count. Exit 0 unless --exit-code.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two result manifests: parameters, metrics, stages and output artifacts.")

    @Argument(help: "The old manifest (a manifest.json or a results folder).")
    var old: String

    @Argument(help: "The new manifest (a manifest.json or a results folder).")
    var new: String

    @Flag(help: "Print the differences as JSON.")
    var json = false

    @Flag(help: "Include unchanged parameters, metrics, outputs and timings.")
    var all = false

    @Flag(help: "List timings (seconds, samples/s, latencies) instead of counting them in one line.")
    var timings = false

    @Flag(help: "Exit with status 1 when results differ (timings and the environment do not count; a stage not reproduced does).")
    var exitCode = false

    func run() throws {
        let (a, aPath) = try Self.load(old)
        let (b, bPath) = try Self.load(new)
        let diff = ManifestDiff(old: a, oldPath: aPath, new: b, newPath: bPath, includeUnchanged: all)
        EngineSupport.print(json ? try EngineSupport.json(diff) : DiffRenderer.text(diff, showTimings: timings || all, showAll: all))
        if exitCode && diff.hasDifferences { throw ExitCode(1) }
    }

    /// A manifest from a file or a results folder (its manifest.json).
    static func load(_ path: String) throws -> (Manifest, String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserInputError("\(path) does not exist; give a manifest.json or a results folder")
        }
        let file = isDirectory.boolValue ? URL(fileURLWithPath: path).appendingPathComponent("manifest.json").path : path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw UserInputError("cannot read \(file)" + (isDirectory.boolValue ? " (is \(path) a results folder?)" : ""))
        }
        // A no-op run's record is a short pointer to the manifest it reused: read through it.
        do { return (try ManifestFile.decode(data, source: file), file) } catch {
            throw UserInputError(error.description)
        }
    }
}
