// SmoothGrad: seeded and reproducible, equal to the base method without noise, an average of the
// noisy gradients it claims (checked against the gradients of the same noisy copies), over IG too.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct SmoothGradTests {
    let explainer: Explainer
    let x = standardInputs(3, bands: 6, seed: 21)

    init() throws { explainer = try Explainer(model: try caoLike(bands: 6, classes: 4, seed: 3)) }

    @Test func sameSeedSameMapsOtherSeedOtherMaps() throws {
        let a = try explainer.smoothGrad(x, samples: 8, seed: 1)
        let b = try explainer.smoothGrad(x, samples: 8, seed: 1)
        let c = try explainer.smoothGrad(x, samples: 8, seed: 2)
        #expect(a == b)
        #expect(a.values != c.values)
    }

    @Test func withoutNoiseItIsTheBaseMethod() throws {
        let smooth = try explainer.smoothGrad(x, noise: 0, samples: 3, seed: 1)
        let plain = try explainer.gradient(x)
        #expect(smooth.classes == plain.classes)
        #expect(allClose(smooth.values.scalars, plain.values.scalars, absolute: 1e-6, relative: 1e-5))
        let smoothIG = try explainer.smoothGrad(x, method: .integratedGradients(baseline: .zeros, steps: 10), noise: 0, samples: 2)
        let ig = try explainer.integratedGradients(x, steps: 10, tolerance: nil)
        #expect(allClose(smoothIG.values.scalars, ig.attributions.values.scalars, absolute: 1e-6, relative: 1e-5))
    }

    @Test func isTheMeanOfGradientsAtTheSeededNoisyCopies() throws {
        let (samples, noise, seed): (Int, Float, UInt64) = (4, 0.2, 9)
        let smooth = try explainer.smoothGrad(x, noise: noise, samples: samples, seed: seed)
        // Rebuild the copies with the documented recipe: σ = noise·(max − min) per sample, N(0, σ²) draws
        // from SeededRandom(seed) in sample-major, copy-major, element order.
        var rng = SeededRandom(seed: seed)
        let size = 150
        for s in 0..<3 {
            let values = Array(x.scalars[s * size ..< (s + 1) * size])
            let sigma = noise * (values.max()! - values.min()!)
            var sum = [Float](repeating: 0, count: size)
            for _ in 0..<samples {
                let copy = values.map { $0 + sigma * Float(rng.normal()) }
                let g = try explainer.gradient(Tensor(shape: [1, 5, 5, 6], scalars: copy), for: .fixed(smooth.classes[s]), absolute: false)
                for i in 0..<size { sum[i] += g.values.scalars[i] }
            }
            let expected = sum.map { abs($0 / Float(samples)) }
            #expect(allClose(Array(smooth.values.scalars[s * size ..< (s + 1) * size]), expected, absolute: 1e-5, relative: 1e-4))
        }
    }

    @Test func noiseChangesTheMapsAndBadArgumentsAreErrors() throws {
        let smooth = try explainer.smoothGrad(x, noise: 0.2, samples: 6, seed: 4)
        #expect(smooth.values != (try explainer.gradient(x)).values)
        #expect(throws: AttributionError.self) { try explainer.smoothGrad(x, samples: 0) }
        #expect(throws: AttributionError.self) { try explainer.smoothGrad(x, noise: -0.1) }
    }
}
