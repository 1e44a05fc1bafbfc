// ExportCommandTests: `hsiflow export` end to end on the quickstart run (named files, CSVs that
// match the manifest, exported float and quantized models that inspect and predict load and that
// score the manifest's OA on the exported test labels), its refusal of tampered manifests, links
// and missing caches, through the built binary.
import FileFormats
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Commands

/// The repository's quickstart experiment.
private let quickstart = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("experiments/quickstart.yaml")

/// A fresh folder with the quickstart experiment copied in and run (cache in .hsiflow/cache).
private func ranQuickstart(_ prefix: String) throws -> URL {
    let dir = try makeTemporaryDirectory(prefix)
    try FileManager.default.copyItem(at: quickstart, to: dir.appendingPathComponent("quickstart.yaml"))
    let run = try runHsiflow(["run", "quickstart.yaml", "--quiet"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    return dir
}

private func manifest(in dir: URL) throws -> Manifest {
    let path = dir.appendingPathComponent("results/quickstart/manifest.json")
    return try Manifest.decode(try Data(contentsOf: path), source: path.path)
}

/// Rows of a CSV file (quoted cells with doubled quotes; no line breaks inside cells here).
private func csvRows(_ url: URL) throws -> [[String]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
        var cells: [String] = [], cell = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { cell.append("\""); chars.removeFirst() } else { quoted = false } } else { cell.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { cells.append(cell); cell = "" } else { cell.append(c) }
        }
        cells.append(cell)
        return cells
    }
}

/// Every file under `dir`, relative paths.
private func files(under dir: URL) -> Set<String> {
    let root = dir.standardizedFileURL.resolvingSymlinksInPath().path
    var out = Set<String>()
    let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
    while let url = walker?.nextObject() as? URL {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.insert(String(url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.count + 1)))
        }
    }
    return out
}

@Suite struct ExportCommandTests {
    @Test("export writes every output under <stage>/<name><ext> and the metrics as CSVs matching the manifest")
    func exportsNamedFilesAndTables() throws {
        let dir = try ranQuickstart("hsiflow-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try runHsiflow(["export", "results/quickstart", "--to", "out", "--json"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONDecoder().decode(ExportCommand.Summary.self, from: Data(result.stdout.utf8))
        let out = dir.appendingPathComponent("out")
        let written = files(under: out)
        #expect(Set(summary.files.map(\.path)) == written)
        #expect(summary.bytes == summary.files.reduce(0) { $0 + $1.bytes })
        for name in ["scene/cube.npy", "scene/metrics.csv", "reduce/components.npy", "reduce/transform.json", "reduce/cube.npy",
                     "train/model.h5", "train/history.json", "train/predictions.npy", "train/classmap.png", "train/metrics.csv",
                     "prune/model-20.h5", "prune/levels.csv", "quantize/quantized-20.h5", "quantize/models.csv"] {
            #expect(written.contains(name), "missing \(name); wrote \(written.sorted())")
        }
        #expect(!written.contains("train/classmap.png.png"))
        // The report's study charts, as standalone SVG documents named after what they show.
        let charts = written.filter { $0.hasPrefix("study/") }
        #expect(charts.contains("study/overall-accuracy-against-pruning.svg"), "\(charts.sorted())")
        #expect(charts.contains("study/cohen-s-kappa-against-pruning.svg"), "\(charts.sorted())")
        for chart in charts {
            #expect(chart.hasSuffix(".svg"))
            let text = try String(contentsOf: out.appendingPathComponent(chart), encoding: .utf8)
            #expect(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && text.hasSuffix("</svg>"), "\(chart)")
        }

        let run = try manifest(in: dir)
        // Copied bytes are the cache objects the manifest names.
        for stage in run.stages {
            for output in stage.outputs {
                let match = written.filter { $0.hasPrefix(stage.id + "/" + output.name) }
                #expect(match.count == 1, "\(stage.id) \(output.name): \(match)")
            }
        }
        // metrics.csv: the scalar metrics at their paths.
        let train = try #require(run.stage("train"))
        let rows = try csvRows(out.appendingPathComponent("train/metrics.csv"))
        #expect(rows.first == ["metric", "value"])
        let values = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0[1]) })
        #expect(values["oa"].flatMap(Double.init) == train.metrics["oa"]?.number)
        #expect(values["kappa"].flatMap(Double.init) == train.metrics["kappa"]?.number)
        // levels.csv: one row per level, header the union of keys.
        let prune = try #require(run.stage("prune"))
        let levelList = try #require(prune.metrics["levels"]?.list)
        let levels = levelList.compactMap { $0.object }
        let table = try csvRows(out.appendingPathComponent("prune/levels.csv"))
        let header = try #require(table.first)
        #expect(Set(header).isSuperset(of: Set(levels.flatMap { $0.keys.filter { $0 != "removed_channels" } })))
        #expect(table.count == levels.count + 1)
        for (row, level) in zip(table.dropFirst(), levels) {
            for key in ["level", "oa", "parameters", "flops"] {
                let column = try #require(header.firstIndex(of: key))
                #expect(Double(row[column]) == level[key]?.number, "prune level \(level["level"] ?? .null) \(key)")
            }
        }
        let models = try csvRows(out.appendingPathComponent("quantize/models.csv"))
        let quantized = try #require(run.stage("quantize")?.metrics["models"]?.list).compactMap(\.object)
        #expect(models.count == quantized.count + 1)
        #expect(models.first?.contains("bits") == true)
        // Every numeric cell of every quantized model is the manifest's number, read back exactly.
        let modelHeader = try #require(models.first)
        for (row, record) in zip(models.dropFirst(), quantized) {
            for (column, key) in modelHeader.enumerated() {
                guard let number = record[key]?.number else { continue }
                #expect(Double(row[column]) == number, "quantize \(record["model"] ?? .null) \(key): \(row[column])")
            }
        }
    }

    @Test("exported float and quantized models load in inspect and run in predict")
    func exportedModelsInspectAndPredict() throws {
        let dir = try ranQuickstart("hsiflow-export-models")
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try runHsiflow(["export", "results/quickstart"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let out = "results/quickstart/export"
        #expect(export.stdout.contains("exported"))

        let float = try runHsiflow(["inspect", "\(out)/train/model.h5", "--json"], in: dir)
        #expect(float.status == 0, "\(float.stderr)")
        let floatInfo = try JSONDecoder().decode(ModelInspection.self, from: Data(float.stdout.utf8))
        #expect(floatInfo.quantization == nil)

        let quantizedText = try runHsiflow(["inspect", "\(out)/quantize/quantized-20.h5"], in: dir)
        #expect(quantizedText.status == 0, "\(quantizedText.stderr)")
        #expect(quantizedText.stdout.contains("8-bit"))
        let quantized = try runHsiflow(["inspect", "\(out)/quantize/quantized-20.h5", "--json"], in: dir)
        let info = try JSONDecoder().decode(ModelInspection.self, from: Data(quantized.stdout.utf8))
        let q = try #require(info.quantization)
        #expect(q.bits == 8)
        #expect(q.floatBytes > 3 * q.quantizedBytes)
        #expect(q.layers.allSatisfy { $0.scales == $0.kernelShape.last && $0.minScale > 0 })
        #expect(info.inputShape == floatInfo.inputShape)

        for (model, name) in [("\(out)/prune/model-20.h5", "f"), ("\(out)/quantize/quantized-20.h5", "q")] {
            let predict = try runHsiflow(["predict", model, "\(out)/reduce/cube.npy", "--out", "\(name).npy"], in: dir)
            #expect(predict.status == 0, "\(model): \(predict.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(name).probabilities.npy").path))
        }
        // Float and quantized predictions mostly agree (8-bit weights barely move them).
        let f = try Data(contentsOf: dir.appendingPathComponent("f.npy")), q8 = try Data(contentsOf: dir.appendingPathComponent("q.npy"))
        let same = zip(f.suffix(48 * 48 * 4), q8.suffix(48 * 48 * 4)).filter { $0 == $1 }.count
        #expect(Double(same) > 0.9 * Double(48 * 48 * 4))
    }

    @Test("every exported model, run by predict on the exported cube, scores the manifest's OA on the exported test labels")
    func exportedModelsReproduceTheManifestsAccuracy() throws {
        let dir = try ranQuickstart("hsiflow-export-oa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try runHsiflow(["export", "results/quickstart", "--to", "out"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let run = try manifest(in: dir)
        // Model file → the OA its stage recorded: train's model, each prune level, each quantized model.
        var expected: [String: Double] = [:]
        expected["out/train/model.h5"] = try #require(run.stage("train")?.metrics["oa"]?.number)
        for record in try #require(run.stage("prune")?.metrics["levels"]?.list).compactMap(\.object) {
            let level = try #require(record["level"]?.int)
            expected["out/prune/model-\(level).h5"] = record["oa"]?.number
        }
        for record in try #require(run.stage("quantize")?.metrics["models"]?.list).compactMap(\.object) {
            let level = try #require(record["level"]?.int)
            expected["out/quantize/quantized-\(level).h5"] = record["oa"]?.number
        }
        // Every exported model is checked, and every model the manifest scores was exported.
        let exported = files(under: dir.appendingPathComponent("out")).filter { $0.hasSuffix(".h5") }.map { "out/" + $0 }
        #expect(Set(exported) == Set(expected.keys), "\(exported.sorted()) vs \(expected.keys.sorted())")

        let test = try Npy.read(path: dir.appendingPathComponent("out/reduce/test.npy").path).floats().map { Int($0) }
        let testPixels = test.indices.filter { test[$0] > 0 }
        #expect(testPixels.count == run.stage("train")?.metrics["test_samples"]?.int)
        for (model, oa) in expected.sorted(by: { $0.key < $1.key }) {
            let predict = try runHsiflow(["predict", model, "out/reduce/cube.npy", "--out", "map.npy"], in: dir)
            #expect(predict.status == 0, "\(model): \(predict.stderr)")
            let map = try Npy.read(path: dir.appendingPathComponent("map.npy").path).floats().map { Int($0) }
            #expect(map.count == test.count)
            let correct = testPixels.filter { map[$0] == test[$0] }.count
            let scored = Double(correct) / Double(testPixels.count)
            // train rounds its OA to 6 decimals; prune and quantize record it unrounded.
            #expect(abs(scored - oa) < 1e-6, "\(model): predict scores \(scored), the manifest says \(oa)")
        }
    }

    @Test("a tampered manifest is refused (bad hash) or sanitized (stage ids), never writing outside --to")
    func tamperedManifests() throws {
        let dir = try ranQuickstart("hsiflow-export-tamper")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("results/quickstart/manifest.json")
        let original = try String(contentsOf: path, encoding: .utf8)
        let before = files(under: dir)
        let run = try manifest(in: dir)
        let model = try #require(run.stage("train")?.outputs.first { $0.name == "model" })

        // An output hash that is a path: refused, exit 2, nothing written.
        try original.replacingOccurrences(of: "\"\(model.sha256)\"", with: "\"../../etc/passwd\"")
            .write(to: path, atomically: true, encoding: .utf8)
        let refused = try runHsiflow(["export", "results/quickstart", "--to", "out"], in: dir)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("SHA-256"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))

        // Stage ids with separators and dot-dot: sanitized into folders inside out/.
        var hostile = original
        for id in ["scene", "train"] {
            let evil = id == "scene" ? "../../escape" : ".."
            hostile = hostile.replacingOccurrences(of: "\"id\" : \"\(id)\"", with: "\"id\" : \"\(evil)\"")
        }
        #expect(hostile != original)
        try hostile.write(to: path, atomically: true, encoding: .utf8)
        let sanitized = try runHsiflow(["export", "results/quickstart", "--to", "sub/out"], in: dir)
        #expect(sanitized.status == 0, "\(sanitized.stderr)")
        let after = files(under: dir)
        let new = after.subtracting(before)
        #expect(!new.isEmpty)
        #expect(new.allSatisfy { $0.hasPrefix("sub/out/") }, "\(new.filter { !$0.hasPrefix("sub/out/") })")
        #expect(new.contains("sub/out/.._.._escape/cube.npy"))
        #expect(new.contains("sub/out/__/model.h5"))

        // A link planted inside the export folder is refused, not followed.
        try original.write(to: path, atomically: true, encoding: .utf8)
        let outside = dir.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("linked"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("linked/train"), withDestinationURL: outside)
        let linked = try runHsiflow(["export", "results/quickstart", "--to", "linked"], in: dir)
        #expect(linked.status == 2, "\(linked.stdout)")
        #expect(linked.stderr.contains("symbolic link"), "\(linked.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("linked/scene/cube.npy").path))
    }

    @Test("a 4-bit quantized model exports, inspects as 4-bit and predicts")
    func fourBitModels() throws {
        let dir = try makeTemporaryDirectory("hsiflow-export-4bit")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: quickstart, to: dir.appendingPathComponent("quickstart.yaml"))
        let run = try runHsiflow(["run", "quickstart.yaml", "--quiet", "--set", "stages.quantize.bits=4"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try runHsiflow(["export", "results/quickstart", "--to", "out"], in: dir).status == 0)
        let inspect = try runHsiflow(["inspect", "out/quantize/quantized-40.h5", "--json"], in: dir)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let info = try JSONDecoder().decode(ModelInspection.self, from: Data(inspect.stdout.utf8))
        #expect(info.quantization?.bits == 4)
        #expect((info.quantization?.sizeRatio ?? 1) < 0.2)
        let predict = try runHsiflow(["predict", "out/quantize/quantized-40.h5", "out/reduce/cube.npy", "--out", "q4.npy"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("class map 48×48"))
    }

    @Test("a missing results folder or cache is exit 2 with what to do")
    func missingInputs() throws {
        let dir = try ranQuickstart("hsiflow-export-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let noResults = try runHsiflow(["export", "results/nothing"], in: dir)
        #expect(noResults.status == 2)
        #expect(noResults.stderr.contains("results/nothing"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty/objects"), withIntermediateDirectories: true)
        let noObjects = try runHsiflow(["export", "results/quickstart/manifest.json", "--cache", "empty"], in: dir)
        #expect(noObjects.status == 2)
        #expect(noObjects.stderr.contains("not in the cache"), "\(noObjects.stderr)")
        #expect(noObjects.stderr.contains("--cache"))
        let noCache = try runHsiflow(["export", "results/quickstart", "--cache", "nowhere"], in: dir)
        #expect(noCache.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/quickstart/export").path))
    }
}
