import PipelineModel
import Testing
@testable import Report

@Suite struct MetricsRendererTests {
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func constantSeriesGetNoChart() {
        let levels: ParamValue = .list((0..<4).map { i in
            .object(["level": .int(i * 10), "oa": .double(0.9 - Double(i) * 0.01), "shortfall": .int(0),
                     "max_error_in_scales": .double(0.5 - Double(i % 2) * 3e-7), "file_bytes": .int(1000 - i)])
        })
        let html = MetricsRenderer(stageID: "s").render([
            "zeros": .list(Array(repeating: .double(0), count: 6)),
            "ramp": .list((0..<6).map { .double(1 / Double($0 + 1)) }),
            "chosen": .list([0, 40, 55, 70, 85].map { .double($0) }),
            "history": .object(["flat": .list([.int(3), .int(3), .int(3)])]),
            "levels": levels,
        ])
        #expect(html.contains("6 × 0"))
        #expect(!html.contains("aria-label=\"zeros\""))
        #expect(html.contains("aria-label=\"ramp\""))
        #expect(!html.contains("aria-label=\"history\""))
        #expect(html.contains("history.flat"))
        #expect(html.contains("aria-label=\"levels: oa\""))
        #expect(!html.contains("aria-label=\"levels: shortfall\""))
        // Nearly constant (0.4999997 against 0.5) is constant; sizes stay in the table beside accuracy curves.
        #expect(!html.contains("aria-label=\"levels: max_error_in_scales\""))
        #expect(!html.contains("aria-label=\"levels: file_bytes\"") && html.contains("<th>file_bytes</th>"))
        #expect(Self.count("<svg", in: html) == 2)
        // Chosen settings (strictly increasing whole numbers) are a list, not a curve.
        #expect(html.contains("<th>chosen</th><td>0, 40, 55, 70, 85</td>"))
        #expect(!html.contains("aria-label=\"chosen\""))
    }

    @Test func recordsByNameAndLevelBecomeATable() {
        let similarity: ParamValue = .object([
            "gradient": .object(["L0": .object(["cosine": 1, "spearman": 1]), "L40": .object(["cosine": 0.9, "spearman": 0.8]),
                                 "L5": .object(["cosine": 0.95, "spearman": 0.85])]),
        ])
        let html = MetricsRenderer(stageID: "s").render(["similarity_to_L0": similarity])
        #expect(html.contains("<h4>similarity_to_L0</h4><div class=\"scroll\"><table class=\"data\"><thead><tr><th></th><th>L0</th><th>L5</th><th>L40</th></tr>"))
        #expect(html.contains("<td>gradient</td><td class=\"num\">cosine 1 · spearman 1</td><td class=\"num\">cosine 0.9500 · spearman 0.8500</td>"))
        #expect(!html.contains("{\"L0\""))
    }
}

// MARK: - Large metrics

extension MetricsRendererTests {
    @Test func aMetricTooLargeToDrawIsANote() {
        let matrix = ParamValue.list((0..<200).map { i in .list((0..<200).map { .int(($0 + i) % 7) }) })
        let html = MetricsRenderer(stageID: "train").render(["confusion": matrix, "oa": .double(0.5)])
        #expect(html.contains("200×200 values: more than 10000 values, too many to draw or list here; they are in manifest.json"))
        #expect(!html.contains("<rect"))
        #expect(MetricsRenderer.tooLarge(.list((0..<100).map { _ in .list((0..<100).map { .int($0) }) })) == nil)
    }
}
