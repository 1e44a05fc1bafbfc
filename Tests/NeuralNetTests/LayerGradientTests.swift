import Testing
import TestSupport
import Tensors
@testable import NeuralNet

/// Checks a layer's backward pass against central differences of L = Σ r ⊙ layer(x),
/// for the input and every parameter (all entries, or a seeded sample for big tensors).
func expectLayerGradients(_ layer: some Layer, input x: Tensor, samplesPerTensor: Int = 60,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    var probe = layer
    let y = probe.forward(x, training: false)
    let r = seededTensor(y.shape, seed: 99)
    func loss(_ l: some Layer, _ input: Tensor) -> Double {
        var copy = l
        let out = copy.forward(input, training: false)
        return zip(out.scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    guard let dx = probe.backward(r, needInputGradient: true, skipActivation: false) else {
        Issue.record("backward returned no input gradient", sourceLocation: sourceLocation)
        return
    }
    let xi = sampleIndices(samplesPerTensor, below: x.count, seed: 1)
    let numericX = numericalGradient(at: x, indices: xi) { loss(layer, $0) }
    #expect(gradientsAgree(xi.map { dx.scalars[$0] }, numericX), "input gradient of \(layer.name)", sourceLocation: sourceLocation)
    let params = layer.parameters
    for (p, value) in params.enumerated() {
        let pi = sampleIndices(samplesPerTensor, below: value.count, seed: UInt64(p + 2))
        let numeric = numericalGradient(at: value, indices: pi) { v in
            var copy = layer
            var all = params
            all[p] = v
            try? copy.setParameters(all)
            return loss(copy, x)
        }
        #expect(gradientsAgree(pi.map { probe.gradients[p].scalars[$0] }, numeric),
                "\(layer.parameterNames[p]) gradient of \(layer.name)", sourceLocation: sourceLocation)
    }
}

@Suite struct LayerGradientTests {
    @Test(arguments: [(3, 3, Padding.valid), (3, 3, .same), (2, 3, .same), (1, 1, .valid), (2, 2, .valid)])
    func conv2DGradients(kh: Int, kw: Int, padding: Padding) {
        var rng = SeededRandom(seed: 3)
        var conv = Conv2D(name: "c", filters: 4, kernelSize: (kh, kw), channels: 3, padding: padding, activation: .linear, rng: &rng)
        try? conv.setParameters([conv.kernel, seededTensor([4], seed: 8, low: -0.5, high: 0.5)])
        expectLayerGradients(conv, input: seededTensor([2, 4, 5, 3], seed: 4))
    }

    /// Winograd F(3×3, 3×3) forced on every tiling: one tile, partial edge tiles, padding.
    @Test(arguments: [([2, 5, 5, 3], Padding.valid), ([2, 4, 5, 3], .same), ([1, 7, 5, 2], .valid), ([2, 3, 3, 3], .valid)])
    func winogradConv2DGradients(input: [Int], padding: Padding) {
        var rng = SeededRandom(seed: 13)
        var conv = Conv2D(name: "c", filters: 4, kernelSize: (3, 3), channels: input[3], padding: padding, activation: .linear, rng: &rng)
        conv.algorithm = .winograd
        try? conv.setParameters([conv.kernel, seededTensor([4], seed: 8, low: -0.5, high: 0.5)])
        expectLayerGradients(conv, input: seededTensor(input, seed: 14))
    }

    @Test func conv2DWithReLUGradients() {
        var rng = SeededRandom(seed: 5)
        let conv = Conv2D(name: "c", filters: 3, kernelSize: (3, 3), channels: 2, padding: .same, activation: .relu, rng: &rng)
        expectLayerGradients(conv, input: seededTensor([2, 4, 4, 2], seed: 6))
    }

    @Test(arguments: Activation.allCases)
    func denseGradients(activation: Activation) {
        var rng = SeededRandom(seed: 7)
        var dense = Dense(name: "d", units: 4, inputs: 6, activation: activation, rng: &rng)
        try? dense.setParameters([dense.kernel, seededTensor([4], seed: 9, low: -0.5, high: 0.5)])
        expectLayerGradients(dense, input: seededTensor([3, 6], seed: 10))
    }

    @Test(arguments: [Activation.relu, .softmax, .linear])
    func activationLayerGradients(activation: Activation) {
        expectLayerGradients(ActivationLayer(name: "a", activation: activation), input: seededTensor([3, 5], seed: 11))
    }

    @Test func flattenGradientIsAReshape() {
        expectLayerGradients(Flatten(name: "f"), input: seededTensor([2, 3, 3, 2], seed: 12))
    }

    @Test(arguments: [([2, 2], [2, 2]), ([3, 2], [1, 2]), ([2, 2], [1, 1])])
    func maxPoolGradients(pool: [Int], strides: [Int]) {
        let layer = MaxPool2D(name: "p", pool: (pool[0], pool[1]), strides: (strides[0], strides[1]))
        expectLayerGradients(layer, input: distinctTensor([2, 5, 4, 3], seed: 13))
    }

    @Test func maxPoolShapesAndValues() throws {
        var layer = MaxPool2D(name: "p", pool: (2, 2))
        let x = Tensor(shape: [1, 2, 4, 1], scalars: [1, 5, 2, 0, 3, 4, -1, 7])
        #expect(try layer.outputShape(for: [2, 4, 1]) == [1, 2, 1])
        #expect(layer.forward(x, training: false).scalars == [5, 7])
    }

    @Test func dropoutIsIdentityAtInferenceAndMaskedWhileTraining() throws {
        var layer = Dropout(name: "d", rate: 0.25, seed: 5)
        let x = seededTensor([4, 50], seed: 14, low: 0.5, high: 1)
        #expect(layer.forward(x, training: false) == x)
        let y = layer.forward(x, training: true)
        let kept = zip(y.scalars, x.scalars).filter { $0.0 != 0 }
        // Kept elements are scaled by 1/(1 − rate); about 75% are kept.
        #expect(kept.allSatisfy { abs($0.0 - $0.1 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 200 - 0.75) < 0.1)
        // Backward passes the gradient through the same mask.
        let r = seededTensor([4, 50], seed: 15)
        let maybeDx = layer.backward(r, needInputGradient: true, skipActivation: false)
        let dx = try #require(maybeDx)
        for i in 0..<200 { #expect(abs(dx.scalars[i] - (y.scalars[i] == 0 ? 0 : r.scalars[i] / 0.75)) < 1e-6) }
    }
}
