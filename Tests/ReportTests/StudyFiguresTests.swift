import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipelineModel
import Testing
@testable import Report

@Suite struct StudyFiguresTests {
    /// The committed reference run (Indian Pines, none/PCA/NMF × prune × quantize × visualize).
    static func referenceManifest() throws -> Manifest {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("results/reference/manifest.json")
        return try Manifest.decode(try Data(contentsOf: url), source: url.path)
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func studySectionIsTheFirstSectionOfTheReferenceReport() throws {
        let page = ReportPage(manifest: try Self.referenceManifest()).html()
        let firstSection = try #require(page.range(of: "<section id=\""))
        #expect(page[firstSection.lowerBound...].hasPrefix("<section id=\"study\"><h2>Study</h2>"))
        #expect(page.contains("pruned channels (%)"))
        #expect(page.contains("overall accuracy"))
        #expect(XMLParser(data: Data(page.utf8)).parse())
    }

    @Test func accuracyChartHasASolidLinePerPruneAndADashedLineOfTheSameColourPerQuantize() throws {
        let chart = try #require(StudyFigures(manifest: try Self.referenceManifest()).accuracyChart())
        let solid = chart.series.filter { !$0.dashed }
        let dashed = chart.series.filter(\.dashed)
        #expect(solid.map(\.name) == ["prune[bands=none]", "prune[bands=pca]", "prune[bands=nmf]"])
        #expect(dashed.map(\.name) == ["quantize[bands=none] int8", "quantize[bands=pca] int8", "quantize[bands=nmf] int8"])
        #expect(solid.map(\.colorIndex) == dashed.map(\.colorIndex))
        #expect(Set(solid.map(\.colorIndex)).count == 3)
        #expect(solid.allSatisfy { $0.points.count == 18 && $0.points.first?.x == 0 && $0.points.last?.x == 85 })

        let svg = chart.svg()
        #expect(Self.count("<polyline", in: svg) == 6)
        #expect(Self.count("round\" stroke-dasharray=", in: svg) == 3)
        for name in solid.map(\.name) + dashed.map(\.name) { #expect(svg.contains(">\(escapeHTML(name))</text>"), "\(name)") }
    }

    @Test func aSinglePruneLineStillGetsALegend() throws {
        let chart = try #require(StudyFigures(manifest: ReportPageTests.manifest()).accuracyChart())
        #expect(chart.series.map(\.name) == ["prune[bands=pca]"])
        #expect(chart.svg().contains(">prune[bands=pca]</text>"))
    }

    @Test func similarityChartsHaveALinePerMethodForEveryVisualizeStage() throws {
        let charts = StudyFigures(manifest: try Self.referenceManifest()).similarityCharts()
        #expect(charts.count == 3)
        let methods = ["gradient", "guided-backprop", "integrated-gradients", "smoothgrad", "visual-backprop"]
        for chart in charts {
            #expect(chart.series.filter { !$0.dashed }.map(\.name) == methods)
            #expect(chart.series.filter(\.dashed).map(\.name) == methods.map { "\($0) (Spearman)" })
            #expect(chart.series.filter { !$0.dashed }.map(\.colorIndex) == chart.series.filter(\.dashed).map(\.colorIndex))
            #expect(chart.series.allSatisfy { $0.points.map(\.x) == [0, 40, 55, 70, 85] && $0.points.first?.y == 1 })
        }
    }

    @Test func stagesOfAKindWithSeveralInstancesAreFolded() throws {
        let page = ReportPage(manifest: try Self.referenceManifest()).html()
        #expect(Self.count("<details class=\"stage\"><summary><h3>prune[bands=", in: page) == 3)
        #expect(!page.contains("<details class=\"stage\" open=\"open\"><summary><h3>prune["))
        #expect(page.contains("<details class=\"stage\" open=\"open\"><summary><h3>scene "))
        #expect(XMLParser(data: Data(page.utf8)).parse())
    }

    @Test func aManifestWithoutPruningHasNoStudySection() {
        var manifest = ReportPageTests.manifest()
        manifest.stages = manifest.stages.filter { $0.kind == "load" || $0.kind == "train" }
        let page = ReportPage(manifest: manifest).html()
        #expect(!page.contains("id=\"study\""))
        #expect(!page.contains("href=\"#study\""))
    }

    @Test func everyTableOfContentsLinkResolvesToAnIdOnThePage() throws {
        for manifest in [try Self.referenceManifest(), ReportPageTests.manifest()] {
            let page = ReportPage(manifest: manifest).html()
            let nav = try #require(page.range(of: "<nav id=\"contents\"")).lowerBound
            #expect(nav < (page.range(of: "<section")?.lowerBound ?? page.endIndex))
            let links = page.components(separatedBy: "href=\"#").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
            #expect(links.contains("study") && links.contains("summary") && links.contains("stages"))
            for link in links { #expect(page.contains("id=\"\(link)\""), "\(link)") }
        }
    }
}
