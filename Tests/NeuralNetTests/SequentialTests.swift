import Foundation
import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct SequentialTests {
    @Test func caoHasTheOriginalArchitecture() throws {
        let model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 200], seed: 41)
        #expect(model.layers.map(\.name) == ["conv1", "conv2", "flatten", "dense1", "dense2", "predictions"])
        #expect(model.outputShapes == [[3, 3, 300], [1, 1, 200], [200], [200], [100], [9]])
        #expect(model.layers.map(\.activation) == [.relu, .relu, .linear, .linear, .linear, .softmax])
        // (3·3·200·300 + 300) + (3·3·300·200 + 200) + (200·200 + 200) + (200·100 + 100) + (100·9 + 9)
        #expect(model.parameterCount == 540_300 + 540_200 + 40_200 + 20_100 + 909)
    }

    @Test func wholeCaoGradientsMatchFiniteDifferences() throws {
        // cao on 5×5×4 inputs, 3 classes: every parameter tensor (sampled) and the input. Inputs of
        // scale 10 keep the ReLU pre-activations far from 0 compared with ε, so no kink is crossed.
        var model = try ModelSpec.cao(classes: 3).build(inputShape: [5, 5, 4], seed: 5)
        let x = seededTensor([3, 5, 5, 4], seed: 6, low: -10, high: 10)
        let labels = [0, 2, 1]
        let (_, _, bp) = try model.lossAndGradients(x, labels: labels, needInputGradient: true)
        let analytic = model.layers.map(\.gradients)
        func loss(_ m: Sequential, _ input: Tensor) -> Double {
            var copy = m
            return Double((try? copy.lossAndGradients(input, labels: labels).loss) ?? .nan)
        }
        let dx = try #require(bp.inputGradient)
        let xi = sampleIndices(40, below: x.count, seed: 1)
        #expect(gradientsAgree(xi.map { dx.scalars[$0] }, numericalGradient(at: x, indices: xi, epsilon: 1e-2) { loss(model, $0) }))
        for l in model.layers.indices {
            for (p, value) in model.layers[l].parameters.enumerated() {
                let idx = sampleIndices(12, below: value.count, seed: UInt64(10 * l + p))
                let numeric = numericalGradient(at: value, indices: idx, epsilon: 2e-4) { v in
                    var m = model
                    var w = m.layers[l].parameters
                    w[p] = v
                    try? m.layers[l].setParameters(w)
                    return loss(m, x)
                }
                #expect(gradientsAgree(idx.map { analytic[l][p].scalars[$0] }, numeric),
                        "\(model.layers[l].name).\(model.layers[l].parameterNames[p])")
            }
        }
    }

    @Test(arguments: [OutputTarget.logits, .probabilities])
    func outputGradientWithRespectToInputMatchesFiniteDifferences(target: OutputTarget) throws {
        let spec = ModelSpec(name: "small", layers: [
            .conv2D(filters: 6, kernel: [3, 3], padding: .same, activation: .relu),
            .maxPool2D(pool: [2, 2]),
            .flatten(),
            .dense(units: 4, activation: .softmax),
        ])
        var model = try spec.build(inputShape: [4, 4, 3], seed: 2)
        // The logits are the outputs of the same model with a linear last layer.
        var linear = spec
        linear.layers[3].activation = .linear
        var logitModel = try linear.build(inputShape: [4, 4, 3], seed: 2)
        try logitModel.setWeights(model.weights)
        let x = seededTensor([2, 4, 4, 3], seed: 3)
        let unit = 2
        let bp = try model.outputGradient(of: unit, for: x, target: target)
        let dx = try #require(bp.inputGradient)
        #expect(bp.layerOutputGradients.map(\.shape) == [[2, 4, 4, 6], [2, 2, 2, 6], [2, 24], [2, 4]])
        let numeric = numericalGradient(at: x, epsilon: 1e-2) { input in
            var m = target == .logits ? logitModel : model
            let y = m.forward(input)
            return Double(y[0, unit] + y[1, unit])
        }
        #expect(gradientsAgree(dx.scalars, numeric))
    }

    @Test func activationsExposeEveryLayerOutput() throws {
        var model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 6], seed: 3)
        let x = seededTensor([2, 5, 5, 6], seed: 4)
        let acts = model.activations(x)
        #expect(acts.map(\.shape) == [[2, 3, 3, 300], [2, 1, 1, 200], [2, 200], [2, 200], [2, 100], [2, 4]])
        #expect(acts.last == model.forward(x))
        #expect(acts[0].min >= 0)
    }

    @Test func specsRoundTripThroughJSONAndRejectUnknownKeys() throws {
        let spec = ModelSpec.cao(classes: 9)
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(ModelSpec.self, from: data) == spec)
        let text = #"{"kind": "conv2d", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"}"#
        let layer = try JSONDecoder().decode(LayerSpec.self, from: Data(text.utf8))
        #expect(layer == .conv2D(filters: 8, kernel: [3, 3], padding: .same, activation: .relu))
        let typo = #"{"kind": "dense", "unitz": 8}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LayerSpec.self, from: Data(typo.utf8)) }
    }

    @Test func badSpecsAreReportedWithTheLayerAtFault() {
        func message(_ spec: ModelSpec, _ shape: [Int]) -> String {
            do { _ = try spec.build(inputShape: shape, seed: 1); return "" } catch { return error.description }
        }
        #expect(message(ModelSpec(name: "m", layers: [.dense(units: 3)]), [5, 5, 2]).contains("flatten"))
        #expect(message(ModelSpec(name: "m", layers: [.conv2D(filters: 2, kernel: [7, 7])]), [5, 5, 2]).contains("does not fit"))
        #expect(message(ModelSpec(name: "m", layers: [.flatten(name: "a"), .dense(units: 2, name: "a")]), [2]).contains("unique"))
        #expect(message(ModelSpec(name: "m", layers: [LayerSpec(kind: .dense)]), [4]).contains("units"))
        #expect(message(ModelSpec(name: "m", layers: [.dropout(rate: 1.5)]), [4]).contains("rate"))
        #expect(message(ModelSpec(name: "m", layers: []), [4]).contains("no layers"))
    }

    @Test func generatedNamesFollowKeras() throws {
        let spec = ModelSpec(name: "m", layers: [.conv2D(filters: 2, kernel: [1, 1]), .conv2D(filters: 2, kernel: [1, 1]),
                                                 .flatten(), .dense(units: 3), .dense(units: 2)])
        let model = try spec.build(inputShape: [2, 2, 1], seed: 1)
        #expect(model.layers.map(\.name) == ["conv2d", "conv2d_1", "flatten", "dense", "dense_1"])
    }

    @Test func batchedPredictionEqualsOneBigForward() throws {
        var model = try ModelSpec.cao(classes: 3).build(inputShape: [5, 5, 4], seed: 7)
        let x = seededTensor([37, 5, 5, 4], seed: 8)
        let whole = model.forward(x)
        let batched = try model.predict(x, batchSize: 8)
        #expect(allClose(batched.scalars, whole.scalars, absolute: 1e-6, relative: 1e-5))
        #expect(throws: NeuralNetError.self) { try model.predict(seededTensor([2, 5, 5, 3], seed: 1)) }
    }
}

@Suite struct SequentialCostTests {
    @Test func caoFLOPsAreCountedFromLayerShapes() throws {
        let model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 200], seed: 1)
        let conv1 = 2 * 9 * (9 * 200) * 300, conv2 = 2 * 1 * (9 * 300) * 200
        let dense = 2 * (200 * 200 + 200 * 100 + 100 * 9)
        #expect(model.forwardFLOPsPerLayer == [conv1, conv2, 0, 2 * 200 * 200, 2 * 200 * 100, 2 * 100 * 9])
        #expect(model.forwardFLOPsPerSample == conv1 + conv2 + dense)
        // The first layer needs no input gradient: 2× its forward; every other layer 3×.
        #expect(model.trainingFLOPsPerSample == 2 * conv1 + 3 * (conv2 + dense))
        // Performed at batch 128: conv1 on Winograd (25 products per channel–filter pair of its one
        // tile); at batch 1 every convolution is on im2col, so performed = counted.
        let winogradConv1 = 2 * 25 * 200 * 300
        #expect(model.performedTrainingFLOPsPerSample(batch: 128) == 2 * winogradConv1 + 3 * (conv2 + dense))
        #expect(model.performedTrainingFLOPsPerSample(batch: 1) == model.trainingFLOPsPerSample)
    }
}
