import Foundation
import Testing
import TestSupport
import Tensors
@testable import NeuralNet

/// The fixture written by reference/nn_golden.py (numpy, float64).
struct Golden: Decodable {
    struct Array: Decodable {
        let shape: [Int]
        let values: [Double]
        var tensor: Tensor { Tensor(shape: shape, scalars: values.map { Float($0) }) }
    }
    let input: Array
    let labels: [Int]
    let weights: [[Array]]
    let output: Array
    let loss: Double
    let gradients: [[Array]]
    let inputGradient: Array
    let weightsAfterAdam: [[Array]]

    static func load() throws -> Golden {
        let url = fixturesDirectory().appendingPathComponent("nn_golden.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    /// The tiny network of the script, with its weights.
    func model() throws -> Sequential {
        let spec = ModelSpec(name: "tiny", layers: [
            .conv2D(filters: 4, kernel: [3, 3], padding: .valid, activation: .relu),
            .conv2D(filters: 2, kernel: [3, 3], padding: .same, activation: .relu),
            .flatten(),
            .dense(units: 5),
            .dense(units: 3, activation: .softmax),
        ])
        var model = try spec.build(inputShape: [5, 5, 3], seed: 1)
        // Layer order: conv, conv, flatten (no weights), dense, dense.
        try model.setWeights([weights[0].map(\.tensor), weights[1].map(\.tensor), [],
                              weights[2].map(\.tensor), weights[3].map(\.tensor)])
        return model
    }
}

@Suite struct GoldenTests {
    @Test(arguments: [ConvolutionAlgorithm.im2col, .winograd])
    func forwardLossAndGradientsMatchNumpy(algorithm: ConvolutionAlgorithm) throws {
        let golden = try Golden.load()
        var model = try golden.model()
        model.setConvolutionAlgorithm(algorithm)
        let (loss, output, bp) = try model.lossAndGradients(golden.input.tensor, labels: golden.labels, needInputGradient: true)
        #expect(allClose(output.scalars, golden.output.values, absolute: 1e-6, relative: 1e-5))
        #expect(abs(Double(loss) - golden.loss) < 1e-5)
        let withWeights = [0, 1, 3, 4]
        for (g, layer) in withWeights.enumerated() {
            for (p, expected) in golden.gradients[g].enumerated() {
                #expect(model.layers[layer].gradients[p].shape == expected.shape)
                #expect(allClose(model.layers[layer].gradients[p].scalars, expected.values, absolute: 1e-6, relative: 1e-4),
                        "gradient \(p) of layer \(model.layers[layer].name)")
            }
        }
        let dx = try #require(bp.inputGradient)
        #expect(allClose(dx.scalars, golden.inputGradient.values, absolute: 1e-6, relative: 1e-4))
    }

    @Test func oneAdamStepMatchesNumpy() throws {
        let golden = try Golden.load()
        var model = try golden.model()
        // Adam's first step is about lr·sign(g) even for |g| ≈ 1e-9, so a gradient that is exactly 0
        // in numpy (a kernel tap whose window only covers zeros: padding or ReLU-dead inputs) and
        // 1e-9 after Winograd's transforms moves by lr. This checks the optimizer, on the exact-zero-preserving im2col path;
        // the test above checks both algorithms' gradients.
        model.setConvolutionAlgorithm(.im2col)
        _ = try model.lossAndGradients(golden.input.tensor, labels: golden.labels)
        var adam = Adam(learningRate: 0.01)
        adam.step(&model)
        for (g, layer) in [0, 1, 3, 4].enumerated() {
            for (p, expected) in golden.weightsAfterAdam[g].enumerated() {
                #expect(allClose(model.layers[layer].parameters[p].scalars, expected.values, absolute: 1e-6, relative: 1e-5),
                        "parameter \(p) of layer \(model.layers[layer].name) after one Adam step")
            }
        }
    }
}
