// The ReLU backward rules: `.standard` leaves backward unchanged, `.guided` drops exactly the
// negative gradients that reach positive ReLU outputs, for fused and stand-alone ReLUs.
import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct BackwardRuleTests {
    /// x (N, F) → Dense(F, relu) with identity kernel → Dense(C): the hidden layer is relu(x), so
    /// the input gradient of output c is (x > 0)·W2[:, c] (standard) or (x > 0)·max(W2[:, c], 0) (guided).
    func identityReLUModel(features: Int, classes: Int, standalone: Bool) throws -> Sequential {
        let hidden: [LayerSpec] = standalone
            ? [.dense(units: features, activation: .linear, name: "hidden"), .activation(.relu, name: "relu")]
            : [.dense(units: features, activation: .relu, name: "hidden")]
        var model = try ModelSpec(name: "identity-relu", layers: hidden + [.dense(units: classes, name: "out")])
            .build(inputShape: [features], seed: 5)
        var identity = Tensor(shape: [features, features])
        for i in 0..<features { identity[i, i] = 1 }
        try model.layers[0].setParameters([identity, Tensor(shape: [features])])
        return model
    }

    @Test(arguments: [false, true])
    func guidedDiffersExactlyWherePositiveUnitsReceiveNegativeGradients(standalone: Bool) throws {
        let (f, c, unit) = (12, 3, 1)
        var model = try identityReLUModel(features: f, classes: c, standalone: standalone)
        let x = seededTensor([4, f], seed: 11)
        let outKernel = model.layers[model.layers.count - 1].parameters[0]
        let standard = try model.outputGradient(of: unit, for: x).inputGradient!
        _ = model.forward(x)
        var seed = Tensor(shape: [4, c])
        for s in 0..<4 { seed[s, unit] = 1 }
        let guided = model.backward(seed, atLogits: false, reluRule: .guided).inputGradient!
        var differing = 0
        for s in 0..<4 { for i in 0..<f {
            let w = outKernel[i, unit], on = x[s, i] > 0
            #expect(standard[s, i] == (on ? w : 0))
            #expect(guided[s, i] == (on && w > 0 ? w : 0))
            // The two differ exactly where the unit is on and its incoming gradient is negative.
            #expect((standard[s, i] != guided[s, i]) == (on && w < 0))
            if on && w < 0 { differing += 1 }
        }}
        #expect(differing > 0, "the fixture must exercise the rule")
    }

    @Test func standardRuleIsTheDefaultBackward() throws {
        var model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 3], seed: 2)
        let x = seededTensor([3, 5, 5, 3], seed: 4)
        let y = model.forward(x)
        let a = model.backward(y, atLogits: false).inputGradient!
        _ = model.forward(x)
        let b = model.backward(y, atLogits: false, reluRule: .standard).inputGradient!
        #expect(a == b)
    }

    @Test func guidedEqualsStandardWhenNoNegativeGradientReachesAReLU() throws {
        // Conv(relu) → Flatten → Dense with non-negative weights: every guided gradient reaching the
        // conv output is ≥ 0, so the guided conv pre-activation gradient equals the standard one.
        var model = try ModelSpec(name: "m", layers: [
            .conv2D(filters: 4, kernel: [3, 3], activation: .relu), .flatten(), .dense(units: 2),
        ]).build(inputShape: [5, 5, 2], seed: 3)
        let dense = model.layers[2].parameters
        try model.layers[2].setParameters([dense[0].map { abs($0) }, dense[1]])
        let x = seededTensor([2, 5, 5, 2], seed: 6)
        let seed = Tensor(shape: [2, 2], repeating: 1)
        _ = model.forward(x)
        let standard = model.backward(seed, atLogits: false).inputGradient!
        _ = model.forward(x)
        let guided = model.backward(seed, atLogits: false, reluRule: .guided).inputGradient!
        #expect(standard == guided)
    }
}
