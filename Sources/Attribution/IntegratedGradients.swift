// IntegratedGradients: Sundararajan et al. (2017). IG_i = (x_i − x′_i)·∫₀¹ ∂F(x′ + α(x − x′))/∂x_i dα,
// by the midpoint rule over `steps` points, all of a sample's steps in one batch through the network.
// Completeness (Σ_i IG_i = F(x) − F(x′)) is measured for every sample, reported, and (optionally)
// enforced by tripling the steps of the samples that miss the tolerance, reusing every point.
// Letters: N samples, S steps, P patch side, B bands.
public import Tensors

/// The reference input integrated gradients start from.
public enum Baseline: Sendable, Equatable {
    /// All zeros (after standardization: every band at its mean).
    case zeros
    /// Every pixel set to these per-band values (length B), e.g. the training cube's band means.
    case bandValues([Float])

    /// The per-band means of `x` [N, P, P, B] over samples and pixels.
    public static func bandMeans(of x: Tensor) -> Baseline {
        let b = x.shape.last ?? 1
        let sums = x.sumOverRows().scalars
        let rows = Float(max(1, x.count / max(b, 1)))
        return .bandValues(sums.map { $0 / rows })
    }

    /// The baseline as one sample [P, P, B] (flat, row-major).
    func sample(shape: [Int]) throws(AttributionError) -> [Float] {
        let size = Tensor.count(of: shape), b = shape.last ?? 1
        switch self {
        case .zeros:
            return [Float](repeating: 0, count: size)
        case .bandValues(let values):
            guard values.count == b else {
                throw .shapeMismatch("the baseline has \(values.count) band values, the input has \(b) bands")
            }
            return (0..<size).map { values[$0 % b] }
        }
    }
}

/// Integrated gradients and their completeness check.
public struct IntegratedGradientsResult: Sendable, Equatable {
    /// Signed attributions [N, P, P, B].
    public var attributions: Attributions
    /// F(x) − F(x′) per sample: what the attributions of each sample must add up to.
    public var scoreDifferences: [Float]
    /// Σ attributions per sample.
    public var attributionSums: [Float]
    /// |Σ attributions − (F(x) − F(x′))| / |F(x) − F(x′)| per sample (absolute error when the
    /// difference is below 1e-6, where a relative error means nothing).
    public var completenessErrors: [Float]
    /// The number of midpoint steps each sample ended with (more than asked where refined).
    public var steps: [Int]

    /// The worst completeness error over the samples (0 for none).
    public var maxCompletenessError: Float { completenessErrors.max() ?? 0 }
}

extension Explainer {
    /// Integrated gradients from `baseline` to each sample of `x`, with `steps` midpoint-rule points.
    ///
    /// For a ReLU network F is only piecewise smooth along the path, so the midpoint rule's error
    /// shrinks like 1/steps. With `tolerance` set, every sample whose completeness error exceeds it
    /// is refined: its steps are tripled, which keeps every point already computed (the midpoints of
    /// 3S intervals include those of S), up to `maxRefinements` times (27× the steps for 3); `steps`
    /// in the result says what each sample used. With `tolerance: nil` every sample uses `steps`.
    public func integratedGradients(_ x: Tensor, for choice: ClassChoice = .predicted, baseline: Baseline = .zeros,
                                    steps: Int = 50, tolerance: Float? = 0.01,
                                    maxRefinements: Int = 3) throws(AttributionError) -> IntegratedGradientsResult {
        let classes = try self.classes(choice, for: x)
        return try integratedGradients(x, classes: classes, baseline: baseline, steps: steps, tolerance: tolerance,
                                       maxRefinements: maxRefinements)
    }

    /// Integrated gradients for explicit classes (one per sample), refined per sample to `tolerance`.
    func integratedGradients(_ x: Tensor, classes: [Int], baseline: Baseline, steps: Int,
                             tolerance: Float?, maxRefinements: Int) throws(AttributionError) -> IntegratedGradientsResult {
        guard steps >= 1 else { throw .invalidArgument("integrated gradients need steps ≥ 1, got \(steps)") }
        guard maxRefinements >= 0 else { throw .invalidArgument("maxRefinements must be ≥ 0, got \(maxRefinements)") }
        if let tolerance, !(tolerance > 0) { throw .invalidArgument("the completeness tolerance must be positive, got \(tolerance)") }
        try checkInput(x)
        let n = x.shape[0], sampleShape = Array(x.shape.dropFirst())
        let size = Tensor.count(of: sampleShape)
        let reference = try baseline.sample(shape: sampleShape)
        // What the attributions must add up to: F(x) − F(x′) for each sample's class.
        let atInputs = try classScores(x, classes: classes)
        let baselineScores = try scores(Tensor(shape: [1] + sampleShape, scalars: reference)).scalars
        let differences = (0..<n).map { atInputs[$0] - baselineScores[classes[$0]] }

        // Σ over the path points of ∂F/∂x, per sample; first the S midpoints (t + ½)/S.
        var gradientSums = pathGradientSums(x, samples: Array(0..<n), classes: classes, reference: reference,
                                            alphas: (0..<steps).map { (Float($0) + 0.5) / Float(steps) })
        var attributions = [Float](repeating: 0, count: x.count)
        var sums = [Float](repeating: 0, count: n), errors = [Float](repeating: 0, count: n)
        var used = [Int](repeating: steps, count: n)
        var pending = Array(0..<n), m = steps, round = 0
        while !pending.isEmpty {
            var next: [Int] = []
            for s in pending {
                // IG = (x − x′) · the mean gradient over the m points.
                var sum: Double = 0
                for i in 0..<size {
                    let v = (x.scalars[s * size + i] - reference[i]) * gradientSums[s * size + i] / Float(m)
                    attributions[s * size + i] = v
                    sum += Double(v)
                }
                let gap = abs(Float(sum) - differences[s])
                (sums[s], used[s]) = (Float(sum), m)
                errors[s] = abs(differences[s]) < 1e-6 ? gap : gap / abs(differences[s])
                if let tolerance, errors[s] > tolerance, round < maxRefinements { next.append(s) }
            }
            guard !next.isEmpty else { break }
            // Triple the steps: the midpoints of 3m intervals are the old ones plus (3t + ½)/3m and (3t + 2½)/3m.
            let fine = Float(3 * m)
            var alphas: [Float] = []
            for t in 0..<m {
                alphas.append((Float(3 * t) + 0.5) / fine)
                alphas.append((Float(3 * t) + 2.5) / fine)
            }
            let added = pathGradientSums(x, samples: next, classes: classes, reference: reference, alphas: alphas)
            for (j, s) in next.enumerated() {
                for i in 0..<size { gradientSums[s * size + i] += added[j * size + i] }
            }
            pending = next
            m *= 3
            round += 1
        }
        return IntegratedGradientsResult(attributions: Attributions(values: Tensor(shape: x.shape, scalars: attributions), classes: classes),
                                         scoreDifferences: differences, attributionSums: sums, completenessErrors: errors, steps: used)
    }

    /// Σ_α ∂F/∂x at x′ + α(x − x′) for the samples `samples` of `x`: [samples.count · P·P·B], in
    /// `samples` order. All points of a sample share one pass, up to `batchSize` rows per pass.
    private func pathGradientSums(_ x: Tensor, samples: [Int], classes: [Int], reference: [Float], alphas: [Float]) -> [Float] {
        let sampleShape = Array(x.shape.dropFirst()), size = Tensor.count(of: sampleShape)
        let k = alphas.count
        let chunk = max(1, batchSize / max(k, 1))
        var out = [Float](repeating: 0, count: samples.count * size)
        var start = 0
        while start < samples.count {
            let end = min(start + chunk, samples.count)
            // Path points, sample-major: [(end − start)·K, P, P, B].
            var path = [Float](repeating: 0, count: (end - start) * k * size)
            var rowClasses: [Int] = []
            rowClasses.reserveCapacity((end - start) * k)
            x.scalars.withUnsafeBufferPointer { xp in
                path.withUnsafeMutableBufferPointer { pp in
                    for j in start ..< end {
                        let s = samples[j]
                        for (t, alpha) in alphas.enumerated() {
                            let base = ((j - start) * k + t) * size
                            for i in 0..<size { pp[base + i] = reference[i] + alpha * (xp[s * size + i] - reference[i]) }
                        }
                    }
                }
            }
            for j in start ..< end { rowClasses += [Int](repeating: classes[samples[j]], count: k) }
            let g = gradients(Tensor(shape: [(end - start) * k] + sampleShape, scalars: path), classes: rowClasses).gradients
            g.scalars.withUnsafeBufferPointer { gp in
                for j in start ..< end {
                    for i in 0..<size {
                        var acc: Float = 0
                        for t in 0..<k { acc += gp[((j - start) * k + t) * size + i] }
                        out[j * size + i] = acc
                    }
                }
            }
            start = end
        }
        return out
    }
}
