// The explainer's scoring network (softmax removed for logits, weights kept), class choice and
// argument errors.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct ExplainerTests {
    @Test func logitScoringDropsTheFusedSoftmaxAndKeepsEveryWeight() throws {
        var model = try caoLike()
        let explainer = try Explainer(model: model)
        #expect(explainer.scoring.layers.last?.activation == .linear)
        #expect(explainer.scoring.weights == model.weights)
        let x = standardInputs(4, bands: 8, seed: 3)
        var logits = try explainer.scores(x).scalars
        Activation.softmaxRows(&logits, width: 5)
        #expect(allClose(logits, model.forward(x).scalars, absolute: 1e-6, relative: 1e-4))
    }

    @Test func aStandaloneSoftmaxLayerIsRemovedForLogits() throws {
        var model = try ModelSpec(name: "m", layers: [.flatten(), .dense(units: 3), .activation(.softmax)])
            .build(inputShape: [5, 5, 2], seed: 4)
        let explainer = try Explainer(model: model)
        #expect(explainer.scoring.layers.count == 2)
        let x = standardInputs(2, bands: 2, seed: 1)
        var logits = try explainer.scores(x).scalars
        Activation.softmaxRows(&logits, width: 3)
        #expect(allClose(logits, model.forward(x).scalars, absolute: 1e-6, relative: 1e-4))
    }

    @Test func probabilityScoringKeepsTheModel() throws {
        var model = try caoLike()
        let explainer = try Explainer(model: model, score: .probabilities)
        let x = standardInputs(3, bands: 8, seed: 3)
        #expect(try explainer.scores(x) == model.forward(x))
    }

    @Test func classChoices() throws {
        let explainer = try Explainer(model: try caoLike())
        let x = standardInputs(4, bands: 8, seed: 5)
        #expect(try explainer.classes(.predicted, for: x) == explainer.scores(x).argmaxRows())
        #expect(try explainer.classes(.fixed(2), for: x) == [2, 2, 2, 2])
        #expect(try explainer.classes(.perSample([0, 1, 2, 3]), for: x) == [0, 1, 2, 3])
        #expect(throws: AttributionError.classOutOfRange(class: 5, classes: 5)) { try explainer.classes(.fixed(5), for: x) }
        #expect(throws: AttributionError.self) { try explainer.classes(.perSample([0, 1]), for: x) }
        #expect(throws: AttributionError.self) { try explainer.classes(.perSample([0, 1, 2, -1]), for: x) }
    }

    @Test func badInputsAndOptionsAreErrors() throws {
        let model = try caoLike()
        #expect(throws: AttributionError.self) { try Explainer(model: model, batchSize: 0) }
        let linearEnd = try ModelSpec(name: "m", layers: [.flatten(), .dense(units: 3)]).build(inputShape: [5, 5, 2], seed: 1)
        #expect(throws: AttributionError.self) { try Explainer(model: linearEnd, score: .probabilities) }
        let explainer = try Explainer(model: model)
        #expect(throws: AttributionError.self) { try explainer.gradient(standardInputs(2, bands: 7, seed: 1)) }
        #expect(throws: AttributionError.self) { try explainer.gradient(Tensor(shape: [5, 5, 8])) }
    }

    @Test func smallBatchesGiveTheSameGradientsAsOneBatch() throws {
        let model = try caoLike()
        let x = standardInputs(7, bands: 8, seed: 9)
        let whole = try Explainer(model: model, batchSize: 512).gradient(x, absolute: false)
        let pieces = try Explainer(model: model, batchSize: 3).gradient(x, absolute: false)
        #expect(whole.classes == pieces.classes)
        #expect(allClose(whole.values.scalars, pieces.values.scalars, absolute: 1e-6, relative: 1e-5))
    }
}
