import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Report

@Suite struct ChartTests {
    /// Parses SVG/XHTML text with Foundation's XML parser; true when well formed.
    func isWellFormedXML(_ text: String) -> Bool {
        XMLParser(data: Data(text.utf8)).parse()
    }

    @Test func lineChartIsWellFormedAndDeterministic() {
        let chart = LineChart(title: "OA vs pruning", xLabel: "% pruned", yLabel: "OA",
                              series: [ChartSeries(name: "pca", points: [(0, 0.98), (40, 0.981), (70, 0.97)]),
                                       ChartSeries(name: "nmf <&>", points: [(0, 0.95), (40, 0.94), (70, 0.9)])],
                              yRange: 0...1)
        let svg = chart.svg()
        #expect(isWellFormedXML(svg))
        #expect(svg == chart.svg())
        #expect(svg.contains("nmf &lt;&amp;&gt;"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 6)
    }

    @Test func dashedSeriesShareTheColourTheyAreGiven() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y",
                              series: [ChartSeries(name: "float", points: [(0, 1), (1, 2)], colorIndex: 2),
                                       ChartSeries(name: "int8", points: [(0, 1), (1, 1.5)], dashed: true, colorIndex: 2)])
        chart.alwaysShowsLegend = true
        let svg = chart.svg()
        #expect(isWellFormedXML(svg))
        #expect(svg.components(separatedBy: "stroke=\"\(seriesColors[2])\" stroke-width=\"2\" stroke-linejoin=\"round\"").count - 1 == 2)
        #expect(svg.components(separatedBy: "round\" stroke-dasharray=\"6 4\"").count - 1 == 1)
        #expect(svg.contains(">int8</text>") && svg.contains(">float</text>"))
        #expect(svg.components(separatedBy: "r=\"4\" fill=\"none\" stroke=\"\(seriesColors[2])\"").count - 1 == 2)
    }

    @Test func emptyChartSaysNoData() {
        let svg = LineChart(title: "t", xLabel: "x", yLabel: "y", series: []).svg()
        #expect(isWellFormedXML(svg))
        #expect(svg.contains("no data"))
    }

    @Test func niceTicksCoverTheRangeWithRoundSteps() {
        let ticks = niceTicks(low: 0.03, high: 0.97)
        #expect(ticks.first! <= 0.03 && ticks.last! >= 0.97)
        let steps = zip(ticks.dropFirst(), ticks).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - steps[0]) < 1e-9 })
        #expect([0.1, 0.2, 0.5].contains { abs($0 - steps[0]) < 1e-9 })
        #expect(niceTicks(low: 5, high: 5).count >= 2)
    }

    @Test func heatmapShadesByRowShare() {
        let map = Heatmap(title: "confusion", rowLabels: ["1", "2"], columnLabels: ["1", "2"], values: [[9, 1], [0, 3]])
        let svg = map.svg()
        #expect(isWellFormedXML(svg))
        #expect(svg.contains("1 → 1: 9 (90.0%)"))
        #expect(Heatmap.blue(0) == "#f7fbff" && Heatmap.blue(1) == "#08306b")
    }

    @Test func dagPlacesStagesByDepth() {
        let dag = DagDiagram(nodes: [.init(id: "scene", kind: "load", status: "cached"),
                                     .init(id: "reduce", kind: "band-select", status: "ran"),
                                     .init(id: "train", kind: "train", status: "failed")],
                             edges: [("scene", "reduce"), ("reduce", "train")])
        #expect(dag.depths() == ["scene": 0, "reduce": 1, "train": 2])
        let svg = dag.svg()
        #expect(isWellFormedXML(svg))
        #expect(svg.contains("train (train): failed"))
    }
}
