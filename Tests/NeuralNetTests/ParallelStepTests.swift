import Testing
import TestSupport
import Tensors
import SpectralData
@testable import NeuralNet

@Suite(.serialized) struct ParallelStepTests {
    @Test(arguments: [2, 3, 8])
    func shardedGradientsEqualWholeBatchGradients(shards: Int) throws {
        var whole = try ModelSpec.cao(classes: 3).build(inputShape: [5, 5, 4], seed: 5)
        var sharded = whole
        let x = seededTensor([7, 5, 5, 4], seed: 6)
        let labels = [0, 2, 1, 1, 0, 2, 2]
        let reference = try whole.lossAndGradients(x, labels: labels, training: true)
        let step = ParallelStep(model: sharded, shards: shards, seed: 1)
        let result = try step.lossAndGradients(&sharded, x, labels: labels)
        #expect(abs(result.loss - reference.loss) < 1e-5)
        #expect(allClose(result.output.scalars, reference.output.scalars, absolute: 1e-6, relative: 1e-5))
        for i in whole.layers.indices {
            for (a, b) in zip(sharded.layers[i].gradients, whole.layers[i].gradients) {
                #expect(allClose(a.scalars, b.scalars, absolute: 1e-6, relative: 1e-4), "layer \(whole.layers[i].name)")
            }
        }
    }

    @Test func shardedTrainingIsDeterministicAndLearns() throws {
        let (cube, truth) = tinyScene(height: 32, width: 32, bands: 16, classes: 4, seed: 7)
        let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
        let scaled = try standardizedPerBand(cube)
        let train = try labelledPatches(scaled, split.train, patch: 5)
        let test = try labelledPatches(scaled, split.test, patch: 5)
        func run() throws -> Sequential {
            var model = try smallModel(classes: 4, bands: 16)
            _ = try model.fit(inputs: train.inputs, labels: train.classes,
                              options: TrainingOptions(epochs: 8, batchSize: 32, seed: 41, shards: 2))
            return model
        }
        var a = try run()
        let b = try run()
        #expect(a.weights == b.weights)
        let predicted = try a.predict(test.inputs).argmaxRows()
        #expect(try ClassificationMetrics(truth: test.classes, predicted: predicted, classes: 4).overallAccuracy > 0.9)
    }

    @Test func oneShardFallsBackToThePlainStep() throws {
        var model = try smallModel(classes: 3, bands: 2)
        var copy = model
        let x = seededTensor([4, 5, 5, 2], seed: 1)
        let r = try ParallelStep(model: model, shards: 1, seed: 1).lossAndGradients(&model, x, labels: [0, 1, 2, 0])
        #expect(r.loss == (try copy.lossAndGradients(x, labels: [0, 1, 2, 0], training: true).loss))
    }
}
