// VisualBackprop: the ones-kernel upscaling footprint, and the whole mask against a by-hand
// computation from the layer activations for a cao-shaped net (valid 3×3 convs: 1×1 → 3×3 → 5×5).
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct VisualBackpropTests {
    @Test func onesFootprintSpreadsEachValueOverItsWindow() {
        let valid = SpatialFootprint(kernel: (3, 3), stride: (1, 1), padding: (0, 0))
        #expect(valid.scaleUp([2], from: (1, 1), to: (3, 3)) == [Float](repeating: 2, count: 9))
        // 3×3 of ones → 5×5: how many 3×3 windows cover each pixel, (1 2 3 2 1) ⊗ (1 2 3 2 1).
        let counts: [Float] = [1, 2, 3, 2, 1]
        let expected = (0..<25).map { counts[$0 / 5] * counts[$0 % 5] }
        #expect(valid.scaleUp([Float](repeating: 1, count: 9), from: (3, 3), to: (5, 5)) == expected)
        let pool = SpatialFootprint(kernel: (2, 2), stride: (2, 2), padding: (0, 0))
        #expect(pool.scaleUp([1, 2, 3, 4], from: (2, 2), to: (4, 4)) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func maskMatchesAHandComputationFromTheActivations() throws {
        let explainer = try Explainer(model: try caoLike(bands: 4, classes: 3, seed: 6))
        let x = standardInputs(3, bands: 4, seed: 8)
        let masks = try explainer.visualBackprop(x)
        #expect(masks.values.shape == [3, 5, 5, 1])
        var model = explainer.scoring
        let acts = model.activations(x)
        let (a1, a2) = (acts[0], acts[1]) // [3, 3, 3, 6], [3, 1, 1, 4]
        for s in 0..<3 {
            let deep = (0..<4).map { a2[s, 0, 0, $0] }.reduce(0, +) / 4
            var middle = [Float](repeating: 0, count: 9)
            for p in 0..<9 { middle[p] = deep * (0..<6).map { a1[s, p / 3, p % 3, $0] }.reduce(0, +) / 6 }
            for iy in 0..<5 { for ix in 0..<5 {
                var expected: Float = 0
                for oy in 0..<3 { for ox in 0..<3 where iy - oy >= 0 && iy - oy < 3 && ix - ox >= 0 && ix - ox < 3 {
                    expected += middle[oy * 3 + ox]
                }}
                #expect(abs(masks.values[s, iy, ix, 0] - expected) <= 1e-5 * max(1, abs(expected)))
            }}
        }
        #expect(masks.classes == (try explainer.classes(.predicted, for: x)))
    }

    @Test func aModelWithoutSpatialLayersIsAnError() throws {
        let explainer = try Explainer(model: try linearModel())
        #expect(throws: AttributionError.self) { try explainer.visualBackprop(standardInputs(1, bands: 4, seed: 1)) }
    }
}
