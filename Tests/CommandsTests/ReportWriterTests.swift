// ReportWriterTests: the report's figures leave the cache under readable names, only by a valid
// SHA-256 whose bytes check out, and the visualize stages' importance.json reaches the page.
@testable import Commands
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct ReportWriterTests {
    /// A manifest whose stages output what `objects` holds (name → bytes) plus extra entries.
    static func manifest(_ outputs: [(stage: String, kind: String, output: Manifest.Output)]) -> Manifest {
        var stages: [Manifest.StageEntry] = []
        for (stage, kind, output) in outputs {
            if let i = stages.firstIndex(where: { $0.id == stage }) {
                stages[i].outputs.append(output)
            } else {
                stages.append(Manifest.StageEntry(id: stage, kind: kind, version: 1, key: String(repeating: "a", count: 64), status: .ran,
                                                  reason: "new stage", params: [:], needs: [], inputs: [], files: [], outputs: [output],
                                                  metrics: [:], seconds: 1))
            }
        }
        return Manifest(runID: "r", startedAt: "2026-11-30T00:00:00Z", tool: .init(name: "hsiflow", version: "0.1.0"),
                        host: .init(name: "h", os: "Linux", cores: 2),
                        experiment: .init(name: "demo", path: "demo.yaml", sha256: String(repeating: "0", count: 64), params: .object([:])),
                        stages: stages, summary: .init(ran: stages.count, cached: 0, failed: 0, skipped: 0, seconds: 1))
    }

    @Test func figuresGetReadableNamesAndOnlyVerifiedBytes() throws {
        let dir = try makeTemporaryDirectory("hsiflow-report-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try FileStore(root: dir.appendingPathComponent("cache"))
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])
        let ref = try store.put(png)
        let corrupt = try store.put(png + Data([9]))
        // Damage the second object in place: its bytes no longer match its hash.
        try (png + Data([8])).write(to: dir.appendingPathComponent("cache").appendingPathComponent(store.relativePath(of: corrupt)))
        let other = try store.put(png + Data([7]))
        let importance = try store.put(Data(#"{"gradient":{"L0":{"overall":[1,2,3],"per_class":{}}}}"#.utf8))
        let manifest = Self.manifest([
            ("train[bands=pca]", "train", .init(name: "classmap.png", path: "x", sha256: ref.sha256, bytes: ref.bytes)),
            ("explain[bands=pca]", "visualize", .init(name: "../escape.png", path: "x", sha256: other.sha256, bytes: other.bytes)),
            ("explain[bands=pca]", "visualize", .init(name: "bad-hash.png", path: "../../etc/passwd", sha256: "../../etc/passwd", bytes: 3)),
            ("explain[bands=pca]", "visualize", .init(name: "damaged.png", path: "x", sha256: corrupt.sha256, bytes: corrupt.bytes)),
            ("explain[bands=pca]", "visualize", .init(name: "importance.json", path: "x", sha256: importance.sha256, bytes: importance.bytes)),
        ])
        var withSimilarity = manifest
        withSimilarity.stages[1].metrics["similarity_to_L0"] = .object(["gradient": .object(["L0": .object(["cosine": 1, "spearman": 1]),
                                                                                            "L40": .object(["cosine": 0.9, "spearman": 0.8])])])
        let results = dir.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: results.appendingPathComponent("figures"), withIntermediateDirectories: true)
        try png.write(to: results.appendingPathComponent("figures/0123456789abcdef.png"))
        let url = try ReportWriter.write(withSimilarity, into: results, cacheRoot: dir.appendingPathComponent("cache"))
        let html = try String(contentsOf: url, encoding: .utf8)

        let copied = results.appendingPathComponent("figures/train[bands=pca]/classmap.png")
        #expect(FileManager.default.contents(atPath: copied.path) == png)
        #expect(html.contains("<img src=\"figures/train%5Bbands=pca%5D/classmap.png\""))
        // The same object is copied once; a bad hash and damaged bytes are not copied at all.
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("figures/explain[bands=pca]/damaged.png").path))
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("figures/explain[bands=pca]/bad-hash.png").path))
        // A name that tries to leave its folder stays inside it.
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("figures/escape.png").path))
        #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("figures/explain[bands=pca]/.._escape.png").path))
        // An earlier report's hash-named copy is gone.
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("figures/0123456789abcdef.png").path))
        // importance.json, read from the cache, drew the band-importance chart.
        #expect(html.contains("aria-label=\"explain[bands=pca]: band importance (gradient)\""))
    }
}
