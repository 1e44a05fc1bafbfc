// Explainer: a model prepared for attribution — the network that outputs the score being explained
// (logits by default), which class each sample is explained for, and batched input gradients of
// those scores. The methods (gradient, integrated gradients, …) are extensions in their own files.
// Letters: N samples, P patch side, B bands, K classes.
public import NeuralNet
public import Tensors

/// Which class each sample's attribution explains.
public enum ClassChoice: Sendable, Equatable {
    /// The class the model predicts for the sample.
    case predicted
    /// The same class for every sample (0-based).
    case fixed(Int)
    /// One class per sample (e.g. the true labels), 0-based.
    case perSample([Int])
}

/// Attributions for a batch: one map per sample over the input's pixels and bands.
public struct Attributions: Sendable, Equatable {
    /// [N, P, P, B] for per-band methods, [N, P, P, 1] for spatial-only ones (visual backprop).
    public var values: Tensor
    /// The class each sample was explained for (0-based).
    public var classes: [Int]

    public init(values: Tensor, classes: [Int]) {
        self.values = values
        self.classes = classes
    }

    /// Number of samples.
    public var count: Int { values.shape.first ?? 0 }

    /// Sample `n`'s map at `band` as a row-major P×P array (band 0 of single-channel maps).
    public func map(sample n: Int, band: Int) throws(AttributionError) -> [Float] {
        guard values.rank == 4 else { throw .shapeMismatch("attributions must be [N, P, P, B], got \(values.shape)") }
        let (h, w, b) = (values.shape[1], values.shape[2], values.shape[3])
        guard n >= 0, n < values.shape[0] else { throw .invalidArgument("sample \(n) is outside the \(values.shape[0]) samples") }
        guard b == 1 || (band >= 0 && band < b) else { throw .invalidArgument("band \(band) is outside the \(b) bands") }
        let k = b == 1 ? 0 : band
        var out = [Float](repeating: 0, count: h * w)
        for i in 0..<(h * w) { out[i] = values.scalars[(n * h * w + i) * b + k] }
        return out
    }
}

/// A model prepared for attribution.
///
/// The score explained is the class **logit** (the pre-softmax output) unless `score` is
/// `.probabilities`. Logits are the default because the softmax couples and saturates them:
/// ∂p_c/∂x = p_c (∂z_c/∂x − Σ_j p_j ∂z_j/∂x) vanishes when the model is confident (p_c → 1) and mixes
/// in the evidence for every other class, so probability gradients go dark exactly on the pixels the
/// model classifies best; and integrated gradients' completeness, Σ attributions = z_c(x) − z_c(x′),
/// is then stated in the additive units the last layer actually sums. keras-vis, which the original
/// tool used, swapped the softmax for a linear activation for the same reason.
public struct Explainer: Sendable {
    /// The network whose output is the score (the model with its final softmax removed for logits).
    public let scoring: Sequential
    /// What the score is.
    public let score: OutputTarget
    /// Rows per forward/backward pass (bounds memory: cao's im2col holds 9·3·3·B floats per row). On
    /// cao, bench-attribution found no consistent gain from larger passes (50 to 800 rows within
    /// ±25% CPU time, run to run), so the default stays small: one sample's 50 IG steps per pass.
    public var batchSize: Int

    /// Prepares `model`; for `.logits` a final softmax (fused into the last layer or a stand-alone
    /// activation layer) is removed, keeping every weight.
    public init(model: Sequential, score: OutputTarget = .logits, batchSize: Int = 64) throws(AttributionError) {
        guard batchSize > 0 else { throw .invalidArgument("batch size must be positive, got \(batchSize)") }
        self.score = score
        self.batchSize = batchSize
        guard let last = model.layers.last else { throw .unsupportedModel("model \(model.name) has no layers") }
        switch (score, last.activation) {
        case (.probabilities, .softmax), (.logits, .linear), (.logits, .relu):
            scoring = model
        case (.probabilities, _):
            throw .unsupportedModel("model \(model.name) does not end in a softmax, so it has no probabilities to explain; use score: logits")
        case (.logits, .softmax):
            scoring = try Explainer.logitModel(model)
        }
    }

    /// `model` with its final softmax removed.
    static func logitModel(_ model: Sequential) throws(AttributionError) -> Sequential {
        var spec = model.spec
        var weights = model.weights
        guard let lastSpec = spec.layers.last else { throw .unsupportedModel("model \(model.name) has no layers") }
        if lastSpec.kind == .softmax || lastSpec.kind == .activation {
            guard spec.layers.count > 1 else {
                throw .unsupportedModel("model \(model.name) is only a softmax; it has no logits to explain")
            }
            spec.layers.removeLast()
            weights.removeLast()
        } else {
            spec.layers[spec.layers.count - 1].activation = .linear
        }
        do {
            var logits = try spec.build(inputShape: model.inputShape, seed: 0)
            try logits.setWeights(weights)
            return logits
        } catch {
            throw .network(error)
        }
    }

    /// Number of classes (output units).
    public var classCount: Int { scoring.outputUnits }

    /// Per-sample input shape [P, P, B].
    public var inputShape: [Int] { scoring.inputShape }

    /// Throws unless `x` is a batch of the model's input shape.
    public func checkInput(_ x: Tensor) throws(AttributionError) {
        guard x.rank == inputShape.count + 1, Array(x.shape.dropFirst()) == inputShape else {
            throw .shapeMismatch("the model takes inputs [N, \(inputShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
        }
    }

    // MARK: Scores and classes

    /// The scores of every class for every sample: [N, K].
    public func scores(_ x: Tensor) throws(AttributionError) -> Tensor {
        try checkInput(x)
        var model = scoring
        do { return try model.predict(x, batchSize: batchSize) } catch { throw .network(error) }
    }

    /// The class each of `x`'s samples is explained for.
    public func classes(_ choice: ClassChoice, for x: Tensor) throws(AttributionError) -> [Int] {
        try checkInput(x)
        let n = x.shape[0], k = classCount
        switch choice {
        case .predicted:
            return try scores(x).argmaxRows()
        case .fixed(let c):
            guard c >= 0, c < k else { throw .classOutOfRange(class: c, classes: k) }
            return [Int](repeating: c, count: n)
        case .perSample(let list):
            guard list.count == n else { throw .shapeMismatch("\(n) samples but \(list.count) classes") }
            if let bad = list.first(where: { $0 < 0 || $0 >= k }) { throw .classOutOfRange(class: bad, classes: k) }
            return list
        }
    }

    // MARK: Batched gradients

    /// ∂score[row, classes[row]]/∂x[row] for every row, and the scores themselves, `batchSize` rows
    /// per pass. With `.guided`, ReLUs pass only positive gradients (guided backpropagation).
    /// x: [R, P, P, B] -> gradients [R, P, P, B], scores [R].
    func gradients(_ x: Tensor, classes: [Int], rule: ReLUBackwardRule = .standard) -> (gradients: Tensor, scores: [Float]) {
        let rows = x.shape[0], k = classCount
        let rowSize = rows == 0 ? 0 : x.count / rows
        var model = scoring
        var out = [Float](repeating: 0, count: x.count)
        var scores = [Float](repeating: 0, count: rows)
        var start = 0
        while start < rows {
            let end = min(start + batchSize, rows)
            let batch = x.slicing(rows: start ..< end)
            let y = model.forward(batch, training: false)
            var seed = Tensor(shape: y.shape)
            for r in start ..< end {
                seed.scalars[(r - start) * k + classes[r]] = 1
                scores[r] = y.scalars[(r - start) * k + classes[r]]
            }
            let g = model.backward(seed, atLogits: false, reluRule: rule).inputGradient ?? Tensor(shape: batch.shape)
            out.replaceSubrange(start * rowSize ..< end * rowSize, with: g.scalars)
            start = end
        }
        return (Tensor(shape: x.shape, scalars: out), scores)
    }

    /// The score of `classes[row]` for every row of `x`.
    func classScores(_ x: Tensor, classes: [Int]) throws(AttributionError) -> [Float] {
        let s = try scores(x)
        let k = classCount
        return classes.enumerated().map { s.scalars[$0.offset * k + $0.element] }
    }
}
