// Gradient saliency and guided backprop: exact for a linear model (the weights), agreeing with
// finite differences on a cao-shaped net, and with the numpy golden MLP for both ReLU rules.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct SaliencyTests {
    @Test func gradientOfALinearModelIsItsWeights() throws {
        let model = try linearModel(bands: 4, classes: 3)
        let kernel = model.layers[1].parameters[0] // [100, 3]
        let explainer = try Explainer(model: model)
        let x = standardInputs(5, bands: 4, seed: 7)
        for c in 0..<3 {
            let column = (0..<100).map { kernel[$0, c] }
            let signed = try explainer.gradient(x, for: .fixed(c), absolute: false)
            let absolute = try explainer.gradient(x, for: .fixed(c))
            for s in 0..<5 {
                #expect(Array(signed.values.scalars[s * 100 ..< (s + 1) * 100]) == column)
                #expect(Array(absolute.values.scalars[s * 100 ..< (s + 1) * 100]) == column.map { abs($0) })
            }
        }
    }

    @Test func gradientAgreesWithFiniteDifferencesOfTheLogit() throws {
        let model = try caoLike(bands: 3, classes: 4, seed: 5)
        let explainer = try Explainer(model: model)
        let x = standardInputs(2, bands: 3, seed: 2)
        let classes = try explainer.classes(.predicted, for: x)
        let analytic = try explainer.gradient(x, for: .perSample(classes), absolute: false).values
        for s in 0..<2 {
            let sample = x.slicing(rows: s ..< s + 1)
            let numeric = numericalGradient(at: sample, epsilon: 1e-3) { p in
                Double((try? explainer.scores(p).scalars[classes[s]]) ?? .nan)
            }
            let rows = Array(analytic.scalars[s * 75 ..< (s + 1) * 75])
            #expect(gradientsAgree(rows, numeric, absolute: 5e-3, relative: 2e-2))
        }
    }

    @Test func probabilityScoreGradientAgreesWithFiniteDifferences() throws {
        let explainer = try Explainer(model: try caoLike(bands: 2, classes: 3, seed: 7), score: .probabilities)
        let x = standardInputs(1, bands: 2, seed: 9)
        let analytic = try explainer.gradient(x, for: .fixed(1), absolute: false).values.scalars
        let numeric = numericalGradient(at: x, epsilon: 1e-3) { p in Double((try? explainer.scores(p).scalars[1]) ?? .nan) }
        #expect(gradientsAgree(analytic, numeric, absolute: 1e-3, relative: 2e-2))
    }

    @Test func gradientAndGuidedBackpropMatchTheNumpyGolden() throws {
        let golden = try Golden.load()
        let explainer = try Explainer(model: try golden.mlpModel())
        let x = golden.mlpInput
        let gradient = try explainer.gradient(x, for: .perSample(golden.mlp.classes), absolute: false)
        let guided = try explainer.guidedBackprop(x, for: .perSample(golden.mlp.classes))
        #expect(allClose(gradient.values.scalars, golden.mlp.gradient, absolute: 1e-5, relative: 1e-4))
        #expect(allClose(guided.values.scalars, golden.mlp.guided, absolute: 1e-5, relative: 1e-4))
        #expect(gradient.values != guided.values, "the golden must exercise the guided rule")
    }

    @Test func guidedBackpropDiffersFromTheGradientExactlyWhereTheReLURuleSays() throws {
        // Flatten → Dense(relu, identity kernel) → Dense: the hidden unit i is relu(x_i), so the input
        // gradient is (x_i > 0)·W[i, c]; guided keeps it only where W[i, c] > 0 too.
        var model = try ModelSpec(name: "id", layers: [
            .flatten(), .dense(units: 50, activation: .relu, name: "hidden"), .dense(units: 3, name: "out"),
        ]).build(inputShape: [5, 5, 2], seed: 8)
        var identity = Tensor(shape: [50, 50])
        for i in 0..<50 { identity[i, i] = 1 }
        try model.layers[1].setParameters([identity, Tensor(shape: [50])])
        let w = model.layers[2].parameters[0]
        let explainer = try Explainer(model: model)
        let x = standardInputs(3, bands: 2, seed: 4)
        let gradient = try explainer.gradient(x, for: .fixed(1), absolute: false).values
        let guided = try explainer.guidedBackprop(x, for: .fixed(1)).values
        var differing = 0
        for s in 0..<3 { for i in 0..<50 {
            let on = x.scalars[s * 50 + i] > 0, weight = w[i, 1]
            let rule = on && weight < 0
            #expect((gradient.scalars[s * 50 + i] != guided.scalars[s * 50 + i]) == rule)
            #expect(guided.scalars[s * 50 + i] == (on && weight > 0 ? weight : 0))
            if rule { differing += 1 }
        }}
        #expect(differing > 10)
    }
}
