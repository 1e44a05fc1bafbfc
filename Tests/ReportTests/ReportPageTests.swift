import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipelineModel
import Testing
import TestSupport
@testable import Report

@Suite struct ReportPageTests {
    /// A small manifest with one stage of every kind the report draws, a failure and a skip.
    static func manifest() -> Manifest {
        typealias P = ParamValue
        func stage(_ id: String, _ kind: String, _ status: Manifest.Status, needs: [String] = [],
                   metrics: [String: P] = [:], outputs: [Manifest.Output] = [], error: String? = nil) -> Manifest.StageEntry {
            Manifest.StageEntry(id: id, kind: kind, version: 1, key: String(repeating: "ab", count: 32), status: status,
                                reason: status == .cached ? "reused: nothing changed" : "new stage",
                                params: ["seed": .int(41)], needs: needs, inputs: [], files: [], outputs: outputs,
                                metrics: metrics, seconds: 1.25, error: error)
        }
        let history: P = .object(["loss": .list([.double(1.2), .double(0.6), .double(0.3)]),
                                  "accuracy": .list([.double(0.5), .double(0.8), .double(0.9)])])
        let levels: P = .list((0..<4).map { i in
            .object(["percent": .int(i * 20), "oa": .double(0.98 - Double(i) * 0.01), "parameters": .int(1000 - i * 200)])
        })
        let stages = [
            stage("scene", "load", .cached, metrics: ["pixels": .int(2304), "classes": .int(4)]),
            stage("reduce[bands=pca]", "band-select", .ran, needs: ["scene"],
                  metrics: ["explainedVarianceRatio": .list([.double(0.7), .double(0.2), .double(0.05)]), "seconds": .double(0.1)]),
            stage("train[bands=pca]", "train", .ran, needs: ["reduce[bands=pca]"],
                  metrics: ["oa": .double(0.9512), "aa": .double(0.9), "kappa": .double(0.93), "history": history,
                            "confusion": .list([.list([.int(9), .int(1)]), .list([.int(0), .int(5)])])],
                  outputs: [Manifest.Output(name: "classmap.png", path: "objects/cd/ef", sha256: "cdef", bytes: 120)]),
            stage("prune[bands=pca]", "prune", .failed, needs: ["train[bands=pca]"], metrics: ["levels": levels],
                  error: "fine-tuning diverged <NaN>"),
            stage("explain[bands=pca]", "visualize", .skipped, needs: ["prune[bands=pca]"]),
        ]
        return Manifest(runID: "20261127T120000Z-1", startedAt: "2026-11-27T12:00:00Z",
                        tool: .init(name: "hsiflow", version: "0.1.0"),
                        host: .init(name: "test-host", os: "Linux", cores: 2),
                        experiment: .init(name: "demo", path: "experiments/demo.yaml", sha256: String(repeating: "0", count: 64),
                                          params: .object(["seed": .int(41), "report": .object(["title": .string("Demo & report")])])),
                        stages: stages, summary: .init(ran: 2, cached: 1, failed: 1, skipped: 1, seconds: 7.5))
    }

    static let page = ReportPage(manifest: manifest(), figures: ["cdef": "figures/cdef.png"]).html()

    @Test func matchesTheSnapshot() {
        if let mismatch = snapshotMismatch(Self.page, named: "report.html") { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test func isWellFormed() {
        let parser = XMLParser(data: Data(Self.page.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test func referencesNothingOnTheNetwork() {
        // The only URL allowed is the SVG namespace name, which no browser fetches.
        let withoutNamespace = Self.page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http://"))
        #expect(!withoutNamespace.contains("https://"))
        #expect(!withoutNamespace.contains("<script"))
        #expect(!withoutNamespace.contains("@import"))
    }

    @Test func showsEverySectionAndEscapesText() {
        let page = Self.page
        for section in ["Summary", "Stage graph", "Data", "Band selection", "Training", "Pruning", "Visualization", "Every stage"] {
            #expect(page.contains("<h2>\(section)</h2>"), "\(section)")
        }
        #expect(page.contains("<title>Demo &amp; report</title>"))
        #expect(page.contains("fine-tuning diverged &lt;NaN&gt;"))
        #expect(page.contains("<img src=\"figures/cdef.png\""))
        #expect(page.contains("0.9512"))
    }

    @Test func imagesWithoutACopiedFigureAreLeftOut() {
        let page = ReportPage(manifest: Self.manifest(), figures: [:]).html()
        #expect(!page.contains("<img"))
    }

    @Test func comparisonSectionShowsChangedMetricsWithDeltas() {
        var newer = Self.manifest()
        newer.stages[2].metrics["oa"] = .double(0.9612)
        newer.stages[2].params["epochs"] = .int(20)
        let diff = ManifestDiff(old: Self.manifest(), oldPath: "a.json", new: newer, newPath: "b.json")
        let page = ReportPage(manifest: newer, comparison: diff).html()
        #expect(page.contains("<h2>Comparison</h2>"))
        #expect(page.contains("+0.0100"))
        #expect(XMLParser(data: Data(page.utf8)).parse())
    }

    @Test func comparisonSectionNamesAStageThatWasNotReproduced() {
        let (old, new) = unreproducedManifests()
        let page = ReportPage(manifest: new, comparison: ManifestDiff(old: old, oldPath: "a.json", new: new, newPath: "b.json")).html()
        #expect(page.contains("not reproduced (same key, different outputs): <b>train[bands=pca]</b>, outputs history, model"))
        #expect(XMLParser(data: Data(page.utf8)).parse())
    }
}
