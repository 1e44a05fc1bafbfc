// Activation maps: one entry per layer with the layer's own activations, per channel and averaged.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct ActivationMapsTests {
    @Test func everyLayerPerChannelAndAveraged() throws {
        let explainer = try Explainer(model: try caoLike(bands: 4, classes: 3, seed: 2))
        let x = standardInputs(1, bands: 4, seed: 3)
        let maps = try explainer.activationMaps(x.reshaped([5, 5, 4]))
        #expect(maps.map(\.layer) == ["conv1", "conv2", "flatten", "dense1", "dense2", "predictions"])
        var model = explainer.scoring
        let acts = model.activations(x)
        #expect(maps[0].channels.shape == [3, 3, 6] && maps[0].mean.shape == [3, 3])
        #expect(maps[0].channels.scalars == acts[0].scalars)
        for p in 0..<9 {
            let mean = (0..<6).map { acts[0].scalars[p * 6 + $0] }.reduce(0, +) / 6
            #expect(abs(maps[0].mean.scalars[p] - mean) < 1e-6)
        }
        #expect(maps[0].channel(2) == (0..<9).map { acts[0].scalars[$0 * 6 + 2] })
        #expect(maps[3].channels.shape == [1, 10, 1] && maps[3].mean.scalars == acts[3].scalars)
        #expect(maps.map(\.isSpatial) == [true, true, false, false, false, false])
        #expect(throws: AttributionError.self) { try explainer.activationMaps(standardInputs(2, bands: 4, seed: 1)) }
    }
}
