// Activation maximization: the ascent raises its objective, finds an input of the target class,
// is reproducible from its seed, and rejects unknown layers and channels.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct ActivationMaximizationTests {
    let explainer: Explainer
    init() throws { explainer = try Explainer(model: try caoLike(bands: 4, classes: 3, seed: 4, filters: (8, 12))) }

    @Test(arguments: [0, 1, 2])
    func classScoreRisesWellAboveItsStart(target: Int) throws {
        // (12 ReLU units feed the logits, so no class is capped by all-negative paths. Maximizing one
        // logit need not make it the largest: in an untrained net another class's
        // logit may grow along with it, so the check is on the target's own score.)
        let options = MaximizationOptions(steps: 200, l2: 0.001, seed: 3)
        let result = try explainer.maximizeActivation(.classScore(target), options: options)
        #expect(result.objective.count == 201)
        #expect(result.objective.last! > result.objective.first!)
        var rng = SeededRandom(seed: 3)
        let start = Tensor(shape: [1, 5, 5, 4], scalars: (0..<100).map { _ in rng.uniform(-0.1, 0.1) })
        let before = try explainer.scores(start).scalars[target]
        let after = try explainer.scores(result.input.reshaped([1, 5, 5, 4])).scalars[target]
        #expect(after > before + 1, "score \(before) → \(after)")
    }

    @Test func reachesTheAnalyticOptimumOfALinearModel() throws {
        // score = w·x + b, objective w·x + b − λ‖x‖² peaks at x* = w/(2λ) with value b + ‖w‖²/(4λ).
        let model = try linearModel(bands: 4, classes: 3, seed: 6)
        let (w, b) = (model.layers[1].parameters[0], model.layers[1].parameters[1])
        let lambda: Float = 0.05
        let result = try Explainer(model: model).maximizeActivation(.classScore(1),
            options: MaximizationOptions(steps: 400, learningRate: 0.02, l2: lambda, seed: 1))
        let optimum = (0..<100).map { w[$0, 1] / (2 * lambda) }
        let best = b[1] + optimum.reduce(0) { $0 + $1 * $1 } * lambda
        let distance = zip(result.input.scalars, optimum).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let size = optimum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(distance < 0.05 * size, "distance \(distance) from the optimum of norm \(size)")
        #expect(abs(result.objective.last! - best) < 0.01 * abs(best))
    }

    @Test func channelTargetRisesAndSeedsReproduce() throws {
        let options = MaximizationOptions(steps: 40, seed: 5)
        let a = try explainer.maximizeActivation(.channel(layer: "conv1", channel: 2), options: options)
        let b = try explainer.maximizeActivation(.channel(layer: "conv1", channel: 2), options: options)
        #expect(a == b)
        #expect(a.objective.last! > a.objective.first!)
        var other = options
        other.seed = 6
        #expect(try explainer.maximizeActivation(.channel(layer: "conv1", channel: 2), options: other).input != a.input)
    }

    @Test func unknownTargetsAreErrors() {
        #expect(throws: AttributionError.self) { try explainer.maximizeActivation(.channel(layer: "nope", channel: 0)) }
        #expect(throws: AttributionError.self) { try explainer.maximizeActivation(.channel(layer: "conv1", channel: 8)) }
        #expect(throws: AttributionError.classOutOfRange(class: 3, classes: 3)) { try explainer.maximizeActivation(.classScore(3)) }
        #expect(throws: AttributionError.self) { try explainer.maximizeActivation(.classScore(0), options: MaximizationOptions(learningRate: 0)) }
    }
}
