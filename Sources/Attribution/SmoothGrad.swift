// SmoothGrad: Smilkov et al. (2017) — the average of an attribution over noisy copies of the input,
// x + ε with ε ~ N(0, σ²), σ = `noise` × (max x − min x) of that sample. Seeded, so reproducible.
// Works over the gradient (averaged signed, then absolute) and over integrated gradients.
public import Tensors

/// The attribution SmoothGrad averages.
public enum SmoothedMethod: Sendable, Equatable {
    /// Gradient saliency: signed gradients averaged over the noise, then the absolute value.
    case gradient
    /// Integrated gradients from `baseline` with exactly `steps` points (no refinement: the noisy
    /// copies are averaged, not checked one by one), averaged over the noise (signed).
    case integratedGradients(baseline: Baseline, steps: Int)
}

extension Explainer {
    /// SmoothGrad of `method`: `samples` noisy copies per input with noise σ = `noise` × the sample's
    /// value range. The class is chosen on the clean input and kept for every noisy copy.
    public func smoothGrad(_ x: Tensor, for choice: ClassChoice = .predicted, method: SmoothedMethod = .gradient,
                           noise: Float = 0.15, samples: Int = 25, seed: UInt64 = 0) throws(AttributionError) -> Attributions {
        guard samples >= 1 else { throw .invalidArgument("SmoothGrad needs samples ≥ 1, got \(samples)") }
        guard noise >= 0, noise.isFinite else { throw .invalidArgument("SmoothGrad noise must be a finite fraction ≥ 0, got \(noise)") }
        let classes = try self.classes(choice, for: x)
        let n = x.shape[0], size = n == 0 ? 0 : x.count / n
        var rng = SeededRandom(seed: seed)
        // Noisy copies, sample-major: [N·samples, P, P, B].
        var noisy = [Float](repeating: 0, count: n * samples * size)
        var rowClasses: [Int] = []
        for s in 0..<n {
            let values = x.scalars[s * size ..< (s + 1) * size]
            let sigma = noise * ((values.max() ?? 0) - (values.min() ?? 0))
            for k in 0..<samples {
                let base = (s * samples + k) * size
                for i in 0..<size { noisy[base + i] = x.scalars[s * size + i] + sigma * Float(rng.normal()) }
                rowClasses.append(classes[s])
            }
        }
        let copies = Tensor(shape: [n * samples] + x.shape.dropFirst(), scalars: noisy)
        let perCopy: Tensor
        switch method {
        case .gradient:
            perCopy = gradients(copies, classes: rowClasses).gradients
        case .integratedGradients(let baseline, let steps):
            perCopy = try integratedGradients(copies, classes: rowClasses, baseline: baseline, steps: steps,
                                             tolerance: nil, maxRefinements: 0).attributions.values
        }
        var mean = [Float](repeating: 0, count: x.count)
        for s in 0..<n {
            for k in 0..<samples {
                let base = (s * samples + k) * size
                for i in 0..<size { mean[s * size + i] += perCopy.scalars[base + i] }
            }
        }
        let scale = 1 / Float(samples)
        let averaged = mean.map { method == .gradient ? abs($0 * scale) : $0 * scale }
        return Attributions(values: Tensor(shape: x.shape, scalars: averaged), classes: classes)
    }
}
