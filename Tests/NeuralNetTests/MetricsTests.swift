import Foundation
import Testing
import TestSupport
@testable import NeuralNet

@Suite struct MetricsTests {
    struct Fixture: Decodable {
        let truth: [Int], predicted: [Int], classes: Int
        let confusion: [[Int]], overallAccuracy: Double, averageAccuracy: Double, kappa: Double, perClassAccuracy: [Double]
    }

    @Test func metricsMatchScikitLearn() throws {
        let url = fixturesDirectory().appendingPathComponent("metrics_golden.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let m = try ClassificationMetrics(truth: f.truth, predicted: f.predicted, classes: f.classes)
        #expect(m.confusion == f.confusion)
        #expect(abs(m.overallAccuracy - f.overallAccuracy) < 1e-12)
        #expect(abs(m.averageAccuracy - f.averageAccuracy) < 1e-12)
        #expect(abs(m.kappa - f.kappa) < 1e-12)
        #expect(zip(m.perClassAccuracy, f.perClassAccuracy).allSatisfy { abs(($0 ?? -1) - $1) < 1e-12 })
    }

    @Test func perfectAndAbsentClasses() throws {
        let m = try ClassificationMetrics(truth: [0, 0, 2], predicted: [0, 0, 2], classes: 3)
        #expect(m.overallAccuracy == 1 && m.kappa == 1 && m.averageAccuracy == 1)
        #expect(m.perClassAccuracy[1] == nil)
        let single = try ClassificationMetrics(truth: [1, 1], predicted: [1, 1], classes: 2)
        #expect(single.kappa == 1)
    }

    @Test func invalidInputsAreErrors() {
        #expect(throws: NeuralNetError.self) { try ClassificationMetrics(truth: [0], predicted: [0, 1], classes: 2) }
        #expect(throws: NeuralNetError.self) { try ClassificationMetrics(truth: [0], predicted: [3], classes: 2) }
        #expect(throws: NeuralNetError.self) { try ClassificationMetrics(truth: [], predicted: [], classes: 2) }
    }
}
