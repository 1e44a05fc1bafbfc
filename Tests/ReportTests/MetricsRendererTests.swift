import PipelineModel
import Testing
@testable import Report

@Suite struct MetricsRendererTests {
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func constantSeriesGetNoChart() {
        let levels: ParamValue = .list((0..<4).map { i in
            .object(["level": .int(i * 10), "oa": .double(0.9 - Double(i) * 0.01), "shortfall": .int(0)])
        })
        let html = MetricsRenderer(stageID: "s").render([
            "zeros": .list(Array(repeating: .double(0), count: 6)),
            "ramp": .list((0..<6).map { .double(Double($0)) }),
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
        #expect(Self.count("<svg", in: html) == 2)
    }
}
