// ModelEvaluationTests: the evaluation's accuracy figures against NeuralNet's metrics of the same
// predictions, bad arguments rejected, and the scoring pass counted as the batched timing (calls
// counted on a fake model, never wall time).
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

    /// Counts its calls per batch size; predicts class 0.
    struct CountingModel: InferenceModel {
        var name: String { "counting" }
        var inputShape: [Int] { [3] }
        var outputUnits: Int { 2 }
        var calls: [Int: Int] = [:]
        mutating func infer(_ x: Tensor) -> Tensor {
            calls[x.shape[0], default: 0] += 1
            return Tensor(shape: [x.shape[0], 2], scalars: (0..<x.shape[0]).flatMap { _ in [Float(1), 0] })
        }
    }

    @Test func theScoringPassIsTheBatchedTiming() throws {
        // 10 full batches of 4 and one of 2: the first two full ones warm up, the other 8 are the
        // batched timing's calls, so 2 more make its 10 repeats and no more are made.
        let samples = try LabelledSamples(inputs: seededTensor([42, 3], seed: 4), labels: Array(repeating: 0, count: 42))
        var model = CountingModel()
        let (evaluation, predicted) = try ModelEvaluation.measure(&model, on: samples, batchSize: 4, singleSamples: 0, repeats: 1)
        #expect(predicted == Array(repeating: 0, count: 42) && evaluation.overallAccuracy == 1)
        #expect(model.calls == [4: 12, 2: 1])
        // A set of 30 or more full batches needs no timed call beyond scoring at 10 repeats...
        let large = try LabelledSamples(inputs: seededTensor([128, 3], seed: 5), labels: Array(repeating: 1, count: 128))
        var scored = CountingModel()
        _ = try ModelEvaluation.measure(&scored, on: large, batchSize: 4, singleSamples: 0, repeats: 1)
        #expect(scored.calls == [4: 32])
        // ...and a budget the scoring calls have spent stops at the minimum repeats.
        var budgeted = CountingModel()
        _ = try ModelEvaluation.measure(&budgeted, on: samples, batchSize: 4, singleSamples: 0, repeats: 5, latencyBudget: .zero)
        #expect(budgeted.calls == [4: 10, 2: 1])
    }
}
