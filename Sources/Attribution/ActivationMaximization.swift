// ActivationMaximization: gradient ascent on the input for a class score or for one channel of a
// layer (its mean over the spatial positions), as keras-vis did: start from small seeded noise,
// take normalized gradient steps on objective − λ‖x‖², and keep the objective's trace.
// Shapes: the optimized input is one sample [P, P, B].
public import Tensors
import NeuralNet

/// What activation maximization drives up.
public enum MaximizationTarget: Sendable, Equatable {
    /// The score of a class (0-based).
    case classScore(Int)
    /// The mean over positions of channel (or unit) `channel` of the layer named `layer`.
    case channel(layer: String, channel: Int)
}

/// How the ascent runs.
public struct MaximizationOptions: Sendable, Equatable {
    /// Gradient steps.
    public var steps: Int
    /// Step length in units of the gradient's RMS (the step is normalized, so it does not blow up).
    public var learningRate: Float
    /// L2 penalty λ on the input, keeping it within a plausible range.
    public var l2: Float
    /// Uniform half-width of the seeded initial noise.
    public var initialScale: Float
    public var seed: UInt64

    public init(steps: Int = 100, learningRate: Float = 0.05, l2: Float = 0.01, initialScale: Float = 0.1, seed: UInt64 = 0) {
        self.steps = steps
        self.learningRate = learningRate
        self.l2 = l2
        self.initialScale = initialScale
        self.seed = seed
    }
}

/// The input that activation maximization found.
public struct MaximizationResult: Sendable, Equatable {
    /// The optimized input [P, P, B].
    public var input: Tensor
    /// The objective (target value − λ‖x‖²) before every step and after the last one (steps + 1 values;
    /// fewer when the gradient vanished and the ascent stopped early).
    public var objective: [Float]
}

extension Explainer {
    /// Gradient ascent on one input for `target`.
    public func maximizeActivation(_ target: MaximizationTarget, options: MaximizationOptions = MaximizationOptions())
        throws(AttributionError) -> MaximizationResult {
        guard options.steps >= 0 else { throw .invalidArgument("activation maximization needs steps ≥ 0, got \(options.steps)") }
        guard options.learningRate > 0, options.l2 >= 0, options.initialScale >= 0 else {
            throw .invalidArgument("activation maximization needs learningRate > 0, l2 ≥ 0 and initialScale ≥ 0")
        }
        // The layer whose output is read, and the seed gradient at that output.
        let layerIndex: Int, unit: Int
        switch target {
        case .classScore(let c):
            guard c >= 0, c < classCount else { throw .classOutOfRange(class: c, classes: classCount) }
            (layerIndex, unit) = (scoring.layers.count - 1, c)
        case .channel(let name, let c):
            guard let i = scoring.layers.firstIndex(where: { $0.name == name }) else {
                throw .invalidArgument("no layer named '\(name)'; layers: \(scoring.layers.map(\.name).joined(separator: ", "))")
            }
            let channels = scoring.outputShapes[i].last ?? 0
            guard c >= 0, c < channels else {
                throw .invalidArgument("layer \(name) has \(channels) channels; channel \(c) is outside 0..<\(channels)")
            }
            (layerIndex, unit) = (i, c)
        }
        let outShape = [1] + scoring.outputShapes[layerIndex]
        let channels = outShape.last ?? 1, positions = Tensor.count(of: outShape) / channels
        var seed = Tensor(shape: outShape)
        for p in 0..<positions { seed.scalars[p * channels + unit] = 1 / Float(positions) }

        var rng = SeededRandom(seed: options.seed)
        var x = Tensor(shape: [1] + inputShape, scalars: (0..<Tensor.count(of: inputShape)).map { _ in
            rng.uniform(-options.initialScale, options.initialScale)
        })
        var model = scoring
        var trace: [Float] = []
        for step in 0...options.steps {
            // Forward to the target layer, value, and (except after the last step) the gradient.
            var h = x
            for i in 0...layerIndex { h = model.layers[i].forward(h, training: false) }
            var value: Float = 0
            for p in 0..<positions { value += h.scalars[p * channels + unit] }
            value /= Float(positions)
            trace.append(value - options.l2 * x.squaredNorm)
            if step == options.steps { break }
            var g = seed
            for i in stride(from: layerIndex, through: 0, by: -1) {
                guard let next = model.layers[i].backward(g, needInputGradient: true, skipActivation: false) else {
                    throw .unsupportedModel("layer \(model.layers[i].name) gave no input gradient")
                }
                g = next
            }
            // d/dx [value − λ‖x‖²] = g − 2λx; step along it divided by its RMS.
            g.add(x, scaledBy: -2 * options.l2)
            let rms = (g.squaredNorm / Float(max(g.count, 1))).squareRoot()
            guard rms > 0, rms.isFinite else { break }
            x.add(g, scaledBy: options.learningRate / rms)
        }
        return MaximizationResult(input: x.reshaped(inputShape), objective: trace)
    }
}
