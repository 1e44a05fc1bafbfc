// ModelEvaluationTests: the evaluation's accuracy figures against NeuralNet's metrics of the same
// predictions, and bad arguments rejected.
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import Compression

@Suite struct ModelEvaluationTests {
    @Test func evaluationMatchesTheMetricsOfThePredictions() throws {
        var model = try tinyConvModel()
        let x = seededTensor([40, 6, 6, 3], seed: 2)
        let labels = (0..<40).map { ($0 * 7) % 2 }
        let samples = try LabelledSamples(inputs: x, labels: labels)
        let (evaluation, predicted) = try ModelEvaluation.measure(model, on: samples, batchSize: 7, singleSamples: 5)
        #expect(predicted == model.forward(x).argmaxRows())
        let metrics = try ClassificationMetrics(truth: labels, predicted: predicted, classes: 2)
        #expect(evaluation.overallAccuracy == metrics.overallAccuracy && evaluation.kappa == metrics.kappa)
        #expect(evaluation.averageAccuracy == metrics.averageAccuracy)
        #expect(evaluation.singleSamples == 5 && evaluation.batchSize == 7)
        #expect(evaluation.microsecondsPerSample > 0 && evaluation.microsecondsPerSampleBatch1 > 0)
        #expect(throws: CompressionError.self) { try LabelledSamples(inputs: x, labels: [0]) }
        #expect(throws: CompressionError.self) { try ModelEvaluation.measure(model, on: samples, batchSize: 0) }
    }

    @Test func repeatsKeepThePredictionsOfOnePass() throws {
        let model = try tinyConvModel()
        let samples = try LabelledSamples(inputs: seededTensor([10, 6, 6, 3], seed: 3), labels: Array(repeating: 1, count: 10))
        let once = try ModelEvaluation.measure(model, on: samples, batchSize: 4, singleSamples: 2, repeats: 1)
        let thrice = try ModelEvaluation.measure(model, on: samples, batchSize: 4, singleSamples: 2, repeats: 3)
        #expect(once.predicted == thrice.predicted && thrice.predicted.count == 10)
        #expect(once.evaluation.overallAccuracy == thrice.evaluation.overallAccuracy)
        #expect(throws: CompressionError.self) { try ModelEvaluation.measure(model, on: samples, repeats: 0) }
    }
}
