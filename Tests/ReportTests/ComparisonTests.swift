// ComparisonTests: N runs side by side — replicates (differ only by seed) averaged with the exact
// mean and sample std per stage, level and saliency method; runs with other differences listed and
// never averaged; a level one run lacks counted; the text within 100 columns; the page script-free,
// well formed, bands drawn only for replicates, every table in a scrolling box; the report's hook.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipelineModel
import Testing
import TestSupport
@testable import Report

@Suite struct ComparisonTests {
    /// Three replicates: shifts +0.01, −0.01, 0 → mean = base, sample std = 0.01 everywhere a shift applies.
    static func seeds() -> Comparison {
        Comparison([(studyManifest(seed: 41, shift: 0.01), "results/s41/manifest.json"),
                    (studyManifest(seed: 42, shift: -0.01), "results/s42/manifest.json"),
                    (studyManifest(seed: 43, shift: 0), "results/s43/manifest.json")])
    }

    /// Two runs where the second also trains for 20 epochs.
    static func settings() -> Comparison {
        Comparison([(studyManifest(seed: 41, shift: 0), "results/a/manifest.json"),
                    (studyManifest(seed: 41, shift: 0.02, epochs: 20), "results/b/manifest.json")])
    }

    private func row(_ rows: [Comparison.Row], _ stage: String, _ series: String, _ metric: String, _ level: Double?) -> Comparison.Row? {
        rows.first { $0.stage == stage && $0.series == series && $0.metric == metric && $0.level == level }
    }

    @Test func runsThatDifferOnlyBySeedAreAveragedWithMeanAndSampleStd() throws {
        let c = Self.seeds()
        #expect(c.mode == .seeds)
        #expect(c.runs.map(\.label) == ["A", "B", "C"])
        #expect(c.runs.map(\.seed) == [41, 42, 43])
        #expect(c.runs[1].differences.map(\.text) == ["seed 41 → 42", "scene.split.seed 41 → 42"])
        let oa = try #require(row(c.stageRows, "train[bands=pca]", "model", "oa", nil))
        #expect(oa.count == 3)
        #expect(abs((oa.mean ?? 0) - 0.95) < 1e-12 && abs((oa.std ?? 0) - 0.01) < 1e-12)
        let pruned = try #require(row(c.levelRows, "prune[bands=nmf]", "float", "oa", 40))
        #expect(abs((pruned.mean ?? 0) - 0.82) < 1e-12 && abs((pruned.std ?? 0) - 0.01) < 1e-12)
        let int8 = try #require(row(c.levelRows, "quantize[bands=pca]", "int8", "kappa", 20))
        #expect(abs((int8.mean ?? 0) - 0.87) < 1e-12 && abs((int8.std ?? 0) - 0.01) < 1e-12)
        let cosine = try #require(row(c.similarityRows, "explain[bands=pca]", "smoothgrad", "cosine", 40))
        #expect(abs((cosine.mean ?? 0) - 0.68) < 1e-12 && abs((cosine.std ?? 0) - 0.01) < 1e-12)
        // Timings are not tabulated.
        #expect(!(c.stageRows + c.levelRows).contains { $0.metric.contains("latency") || $0.metric.contains("second") })
    }

    @Test func theSampleStandardDeviationDividesByNMinusOne() {
        let (mean, std) = Comparison.meanAndStd([1, 2, 3, 4])
        #expect(mean == 2.5)
        #expect(abs((std ?? 0) - (5.0 / 3).squareRoot()) < 1e-12)
        #expect(Comparison.meanAndStd([7]).std == nil)
    }

    @Test func runsWithOtherDifferencesAreListedAndNotAveraged() throws {
        let c = Self.settings()
        #expect(c.mode == .settings)
        #expect(c.runs[0].differences.isEmpty)
        #expect(c.runs[1].differences.map(\.text) == ["train[bands=pca].epochs 10 → 20", "train[bands=nmf].epochs 10 → 20"])
        #expect(c.runs[1].differences.map(\.path) == ["train[bands=pca].epochs", "train[bands=nmf].epochs"])
        #expect(c.runs[1].differences.allSatisfy { !$0.isSeed })
        #expect((c.stageRows + c.levelRows + c.similarityRows).allSatisfy { $0.mean == nil && $0.std == nil })
        let oa = try #require(row(c.levelRows, "prune[bands=pca]", "float", "oa", 20))
        #expect(oa.values.count == 2 && abs((oa.values[0] ?? 0) - 0.91) < 1e-12 && abs((oa.values[1] ?? 0) - 0.93) < 1e-12)
        #expect(c.summarySentence.contains("not averaged"))
    }

    @Test func differentStagesOrExperimentsAreDifferencesToo() {
        var other = studyManifest(seed: 42, shift: 0)
        other.experiment.name = "other"
        other.stages.removeAll { $0.id == "explain[bands=pca]" }
        let c = Comparison([(studyManifest(seed: 41, shift: 0), "a"), (other, "b")])
        #expect(c.mode == .settings)
        #expect(c.runs[1].differences.first?.text == "experiment study → other")
        #expect(c.runs[1].differences.last?.text == "without stages explain[bands=pca]")
        #expect(c.runs[1].differences.last?.old == ["explain[bands=pca]"])
        // A run without the stage leaves a gap, not a zero.
        #expect(c.similarityRows.allSatisfy { $0.values[1] == nil && $0.count == 1 })
    }

    @Test func aLevelOneReplicateLacksIsCountedInItsCell() throws {
        var short = studyManifest(seed: 43, shift: 0)
        let p = try #require(short.stages.firstIndex { $0.id == "prune[bands=pca]" })
        short.stages[p].metrics["levels"] = .list(Array(short.stages[p].metrics["levels"]?.list?.prefix(2) ?? []))
        let c = Comparison([(studyManifest(seed: 41, shift: 0.01), "a"), (studyManifest(seed: 42, shift: -0.01), "b"), (short, "c")])
        let r = try #require(row(c.levelRows, "prune[bands=pca]", "float", "oa", 40))
        #expect(r.count == 2 && r.values[2] == nil)
        #expect(c.cell(r) == "0.8700 ± 0.0141 (n=2)")
    }

    @Test func theTextFitsOneHundredColumnsAndMatchesItsSnapshots() {
        for (c, name) in [(Self.seeds(), "comparison-seeds.txt"), (Self.settings(), "comparison-settings.txt")] {
            let text = ComparisonText.render(c)
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= ComparisonText.width })
            if let m = snapshotMismatch(text, named: name) { Issue.record(Comment(rawValue: m)) }
        }
        let seeds = ComparisonText.render(Self.seeds())
        #expect(seeds.contains("0.9500 ± 0.0100"))
        #expect(seeds.contains("differ only by seed (41, 42, 43)"))
    }

    @Test func manyRunsSplitWideTablesIntoColumnGroups() {
        let runs = (0..<9).map { i in (manifest: studyManifest(seed: 41, shift: Double(i) / 100, epochs: 10 + i), path: "results/run-\(i)/manifest.json") }
        let text = ComparisonText.render(Comparison(runs))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(text.contains("(columns 2 of"))
        for label in ["A float", "I int8"] { #expect(text.contains(label)) }
    }

    @Test func thePageIsScriptFreeWellFormedAndKeepsTablesInScrollingBoxes() {
        for c in [Self.seeds(), Self.settings()] {
            let html = ComparisonPage(comparison: c).html()
            #expect(XMLParser(data: Data(html.utf8)).parse())
            #expect(!html.contains("<script"))
            #expect(!html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
            let tables = html.components(separatedBy: "<table").count - 1
            #expect(tables > 3)
            #expect(html.components(separatedBy: "<div class=\"scroll\"><table").count - 1 == tables)
            #expect(html.contains("max-width:100%;overflow-x:auto"))
        }
    }

    @Test func replicatesDrawMeanBandsAndOtherRunsDrawOneLineEach() {
        let seeds = Self.seeds().figures()
        #expect(seeds.map(\.title) == ["Overall accuracy against pruning (mean ± std, 3 runs)",
                                       "explain[bands=pca]: saliency similarity (mean ± std, 3 runs)"])
        let accuracy = seeds[0].svg()
        // A band per float line (pca, nmf), error bars on the dashed int8 lines.
        #expect(accuracy.components(separatedBy: "<polygon").count - 1 == 2)
        #expect(accuracy.contains("stroke-dasharray=\"6 4\""))
        #expect(accuracy.contains("quantize[bands=pca] int8"))
        let settings = Self.settings().figures()
        #expect(settings.map(\.title) == ["Overall accuracy against pruning [bands=pca], per run",
                                          "Overall accuracy against pruning [bands=nmf], per run",
                                          "explain[bands=pca]: saliency similarity, per run"])
        #expect(settings.allSatisfy { !$0.svg().contains("<polygon") })
        #expect(settings[0].svg().contains("B int8"))
    }

    @Test func thePageMatchesItsSnapshot() {
        if let m = snapshotMismatch(ComparisonPage(comparison: Self.seeds()).html(), named: "comparison-seeds.html") {
            Issue.record(Comment(rawValue: m))
        }
    }

    @Test func aReportShowsTheRunsComparedAsASectionInItsContents() {
        var page = ReportPage(manifest: studyManifest(seed: 41, shift: 0.01))
        page.runsCompared = Self.seeds()
        let html = page.html()
        #expect(html.contains("<a href=\"#runs-compared\">Runs compared</a>"))
        #expect(html.contains("<section id=\"runs-compared\"><style>"))
        #expect(html.contains("<h2>Runs compared</h2>"))
        #expect(XMLParser(data: Data(html.utf8)).parse())
    }

    @Test func theNumbersRoundTripThroughJSON() throws {
        let c = Self.seeds()
        let data = try JSONEncoder().encode(c)
        #expect(try JSONDecoder().decode(Comparison.self, from: data) == c)
    }
}
