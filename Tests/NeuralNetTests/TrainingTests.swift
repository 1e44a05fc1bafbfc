import Foundation
import Testing
import TestSupport
import Tensors
import SpectralData
@testable import NeuralNet

/// A small convolutional model that trains quickly in debug builds.
func smallModel(classes: Int, bands: Int, seed: UInt64 = 3) throws -> Sequential {
    try ModelSpec(name: "small", layers: [
        .conv2D(filters: 12, kernel: [3, 3], padding: .valid, activation: .relu),
        .flatten(),
        .dense(units: 16),
        .dense(units: classes, activation: .softmax),
    ]).build(inputShape: [5, 5, bands], seed: seed)
}

@Suite struct TrainingTests {
    func sceneData() throws -> (train: (Tensor, [Int]), test: (Tensor, [Int])) {
        let (cube, truth) = tinyScene(height: 32, width: 32, bands: 16, classes: 4, seed: 7)
        let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
        let scaled = try standardizedPerBand(cube)
        let train = try labelledPatches(scaled, split.train, patch: 5)
        let test = try labelledPatches(scaled, split.test, patch: 5)
        return ((train.inputs, train.classes), (test.inputs, test.classes))
    }

    @Test func learnsTheSyntheticSceneAndReportsProgress() throws {
        let data = try sceneData()
        var model = try smallModel(classes: 4, bands: 16)
        var reports: [TrainingProgress] = []
        let history = try model.fit(inputs: data.train.0, labels: data.train.1,
                                    options: TrainingOptions(epochs: 8, batchSize: 32, optimizer: .adam(), seed: 41)) {
            reports.append($0)
        }
        #expect(history.loss.count == 8 && history.accuracy.count == 8 && history.seconds.count == 8)
        #expect(history.loss.last! < history.loss.first!)
        let batches = (data.train.0.shape[0] + 31) / 32
        #expect(reports.count == 8 * batches)
        #expect(reports.filter(\.epochFinished).count == 8)
        #expect(reports.last!.secondsRemaining == 0)
        let predicted = try model.predict(data.test.0).argmaxRows()
        let metrics = try ClassificationMetrics(truth: data.test.1, predicted: predicted, classes: 4)
        #expect(metrics.overallAccuracy > 0.9)
    }

    @Test func sameSeedAndThreadsGiveBitIdenticalWeights() throws {
        let data = try sceneData()
        // The BLAS thread count stays put for all three runs (other tests may change it in between).
        func run(_ seed: UInt64) throws -> [[Tensor]] {
            var model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 16], seed: 9)
            _ = try model.fit(inputs: data.train.0, labels: data.train.1,
                              options: TrainingOptions(epochs: 2, batchSize: 64, optimizer: .adam(), seed: seed))
            return model.weights
        }
        let (a, b, c) = try BLASConfiguration.exclusively { (try run(41), try run(41), try run(42)) }
        // Compared as booleans: on failure, printing millions of weights helps nobody.
        let identical = a == b, different = a != c
        #expect(identical, "same seed and threads must give bit-identical weights")
        #expect(different, "another seed must give other weights")
    }

    @Test("cao training gives the same bits at 1, 2, 3 and 4 workers (Winograd, split products, Adam)")
    func trainingIsIndependentOfWorkers() throws {
        let data = try sceneData()
        let weights = try BLASConfiguration.exclusively {
            try [1, 2, 3, 4].map { workers -> [[Tensor]] in
                Workers.count = workers
                var model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 16], seed: 9)
                _ = try model.fit(inputs: data.train.0, labels: data.train.1,
                                  options: TrainingOptions(epochs: 2, batchSize: 128, optimizer: .adam(), seed: 41))
                return model.weights
            }
        }
        let identical = weights.allSatisfy { $0 == weights[0] }
        #expect(identical, "weights differ between worker counts")
    }

    @Test func sgdStepFollowsItsFormula() throws {
        var model = try smallModel(classes: 3, bands: 2)
        let x = seededTensor([4, 5, 5, 2], seed: 1)
        _ = try model.lossAndGradients(x, labels: [0, 1, 2, 0])
        let before = model.weights, grads = model.layers.map(\.gradients)
        var sgd = SGD(learningRate: 0.1, momentum: 0.5)
        sgd.step(&model)
        // First step with zero velocity: θ ← θ − η·g.
        for l in model.layers.indices { for p in before[l].indices {
            let expected = zip(before[l][p].scalars, grads[l][p].scalars).map { $0 - 0.1 * $1 }
            #expect(model.weights[l][p].scalars == expected)
        }}
    }

    @Test func badTrainingArgumentsAreErrors() throws {
        var model = try smallModel(classes: 3, bands: 2)
        let x = seededTensor([4, 5, 5, 2], seed: 1)
        #expect(throws: NeuralNetError.self) { try model.fit(inputs: x, labels: [0, 1, 2], options: TrainingOptions()) }
        #expect(throws: NeuralNetError.self) { try model.fit(inputs: x, labels: [0, 1, 2, 3], options: TrainingOptions()) }
        #expect(throws: NeuralNetError.self) { try model.fit(inputs: x, labels: [0, 1, 2, 0], options: TrainingOptions(batchSize: 0)) }
        #expect(throws: NeuralNetError.self) {
            try model.fit(inputs: x, labels: [0, 1, 2, 0], options: TrainingOptions(optimizer: .adam(learningRate: -1)))
        }
        #expect(throws: NeuralNetError.self) { try model.fit(inputs: seededTensor([4, 5, 5, 3], seed: 1), labels: [0, 1, 2, 0], options: TrainingOptions()) }
    }
}

@Suite struct AdamVectorizationTests {
    /// Adam's 8-wide loop, split over workers, against a plain scalar loop of the same update:
    /// 120,003 parameters (more than one block per worker, and a 3-element scalar tail).
    @Test func parallelVectorStepEqualsAPlainLoopBitForBit() throws {
        let spec = ModelSpec(name: "wide", layers: [.dense(units: 300), .dense(units: 3, activation: .softmax)])
        let model = try spec.build(inputShape: [399], seed: 5)
        var gradients: [[Tensor]] = []
        for (i, layer) in model.layers.enumerated() {
            gradients.append(layer.parameters.enumerated().map { j, p in
                seededTensor(p.shape, seed: UInt64(100 + 10 * i + j), low: -1e-3, high: 1e-3)
            })
        }
        // The reference: Keras' Adam written out per scalar, two steps.
        var expected = model.layers.map { $0.parameters.map(\.scalars) }
        var m = expected.map { $0.map { [Float](repeating: 0, count: $0.count) } }, v = m
        let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.001, 0.9, 0.999, 1e-7)
        for t in 1...2 {
            let alpha = Float(Double(lr) * (1 - pow(Double(b2), Double(t))).squareRoot() / (1 - pow(Double(b1), Double(t))))
            for i in expected.indices { for j in expected[i].indices { for k in expected[i][j].indices {
                let g = gradients[i][j].scalars[k]
                m[i][j][k] += (g - m[i][j][k]) * (1 - b1)
                v[i][j][k] += (g * g - v[i][j][k]) * (1 - b2)
                expected[i][j][k] -= alpha * m[i][j][k] / (v[i][j][k].squareRoot() + eps)
            }}}
        }
        for threads in [1, 2, 3, 4] {
            BLASConfiguration.exclusively {
                Workers.count = threads
                var stepped = model
                var adam = Adam()
                for _ in 1...2 {
                    for i in stepped.layers.indices { stepped.layers[i].setGradients(gradients[i]) }
                    adam.step(&stepped)
                }
                #expect(stepped.layers.map { $0.parameters.map(\.scalars) } == expected, "workers \(threads)")
            }
        }
    }
}
