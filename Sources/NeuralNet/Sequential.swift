// Sequential: a stack of layers run in order — forward, the fused softmax–cross-entropy loss,
// backward through every layer, and what the visualizations need: every layer's activations
// and the gradient of any output unit with respect to the input and to each layer's output.
public import Tensors
import Foundation

/// What an output unit's gradient is taken of.
public enum OutputTarget: String, Sendable, Codable {
    /// The pre-softmax score (logit) of the unit — the usual saliency target.
    case logits
    /// The unit's softmax probability.
    case probabilities
}

/// Gradients from one backward pass.
public struct Backpropagation: Sendable {
    /// dL/dx for the model input (nil when it was not asked for).
    public var inputGradient: Tensor?
    /// dL/d(output of layer i) for every layer i, in layer order. For the last layer, with the
    /// softmax fused away, this is the gradient with respect to its logits.
    public var layerOutputGradients: [Tensor]
}

/// A sequential model: layers applied in order to NHWC (or flat) batches.
public struct Sequential: Sendable {
    public var name: String
    /// Per-sample input shape, e.g. [5, 5, 200].
    public let inputShape: [Int]
    /// The layers, first to last.
    public var layers: [any Layer]
    /// Per-sample output shape of every layer.
    public let outputShapes: [[Int]]

    /// A model over `layers`; throws if a layer cannot take the shape the previous one produces.
    public init(name: String, inputShape: [Int], layers: [any Layer]) throws(NeuralNetError) {
        guard !layers.isEmpty else { throw .invalidSpec("model \(name) has no layers") }
        var shapes: [[Int]] = []
        var shape = inputShape
        var names = Set<String>()
        for layer in layers {
            guard names.insert(layer.name).inserted else {
                throw .invalidSpec("two layers are named '\(layer.name)'; layer names must be unique")
            }
            shape = try layer.outputShape(for: shape)
            shapes.append(shape)
        }
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.outputShapes = shapes
    }

    /// The declarative description of this model.
    public var spec: ModelSpec { ModelSpec(name: name, layers: layers.map(\.spec)) }

    /// Number of output units (classes) per sample.
    public var outputUnits: Int { outputShapes.last.map { Tensor.count(of: $0) } ?? 0 }

    /// Total number of trainable scalars.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Every layer's parameters, in layer order.
    public var weights: [[Tensor]] { layers.map(\.parameters) }

    /// Replaces every layer's parameters (same structure as `weights`).
    public mutating func setWeights(_ values: [[Tensor]]) throws(NeuralNetError) {
        guard values.count == layers.count else {
            throw .weightMismatch(layer: name, reason: "expected weights for \(layers.count) layers, got \(values.count)")
        }
        for i in layers.indices { try layers[i].setParameters(values[i]) }
    }

    // MARK: Forward

    /// The model output for a batch (probabilities when the last layer is softmax).
    public mutating func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        var h = x
        for i in layers.indices { h = layers[i].forward(h, training: training) }
        return h
    }

    /// The output of every layer for a batch (inference mode), in layer order.
    public mutating func activations(_ x: Tensor) -> [Tensor] {
        var h = x
        var all: [Tensor] = []
        for i in layers.indices {
            h = layers[i].forward(h, training: false)
            all.append(h)
        }
        return all
    }

    // MARK: Backward

    /// Backward pass from a gradient of the model output (or, with `atLogits`, of the last layer's
    /// pre-softmax logits). Fills every parameter gradient and returns the gradients at every layer
    /// output and, when asked, at the input. Needs a forward pass on the same batch first.
    /// `reluRule` `.guided` turns the pass into guided backpropagation (see `ReLUBackwardRule`).
    public mutating func backward(_ outputGradient: Tensor, atLogits: Bool, needInputGradient: Bool = true,
                                  reluRule: ReLUBackwardRule = .standard) -> Backpropagation {
        var gradients = [Tensor](repeating: Tensor(shape: [0]), count: layers.count)
        var g = outputGradient
        for i in layers.indices.reversed() {
            gradients[i] = g
            let wantInput = i > 0 || needInputGradient
            let skip = atLogits && i == layers.count - 1
            if !skip { g = reluRule.gradient(g, enteringLayerWith: layers[i].activation) }
            let next = layers[i].backward(g, needInputGradient: wantInput, skipActivation: skip)
            if let next { g = next }
        }
        return Backpropagation(inputGradient: needInputGradient ? g : nil, layerOutputGradients: gradients)
    }

    /// Whether the model ends in a softmax (so the loss fuses with it) or in linear logits.
    var outputIsSoftmax: Bool { layers.last?.activation == .softmax }

    /// Mean categorical cross-entropy of a batch and its gradients (stored in the layers).
    /// `labels` are class indices 0..<outputUnits. Returns the loss and the model output.
    public mutating func lossAndGradients(_ x: Tensor, labels: [Int], training: Bool = false,
                                          needInputGradient: Bool = false) throws(NeuralNetError)
        -> (loss: Float, output: Tensor, backpropagation: Backpropagation) {
        try checkInput(x)
        guard labels.count == x.shape[0] else {
            throw .invalidArgument("\(x.shape[0]) samples but \(labels.count) labels")
        }
        let classes = outputUnits
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw .invalidArgument("label \(bad) is outside the model's \(classes) classes (0..<\(classes))")
        }
        guard let last = layers.last, last.activation == .softmax || last.activation == .linear else {
            throw .invalidSpec("model \(name) must end in a softmax or linear layer to train with cross-entropy")
        }
        let y = forward(x, training: training)
        let (loss, dz) = SoftmaxCrossEntropy.lossAndGradient(output: y, labels: labels, outputIsProbabilities: outputIsSoftmax)
        let bp = backward(dz, atLogits: true, needInputGradient: needInputGradient)
        return (loss, y, bp)
    }

    /// The gradient of output unit `unit` (summed over the batch, so per-sample rows are each
    /// sample's own gradient) with respect to the input and to every layer's output.
    public mutating func outputGradient(of unit: Int, for x: Tensor, target: OutputTarget = .logits) throws(NeuralNetError) -> Backpropagation {
        try checkInput(x)
        let classes = outputUnits
        guard unit >= 0, unit < classes else {
            throw .invalidArgument("output unit \(unit) is outside 0..<\(classes)")
        }
        let y = forward(x, training: false)
        var seed = Tensor(shape: y.shape)
        let n = x.shape[0]
        for s in 0..<n { seed.scalars[s * classes + unit] = 1 }
        return backward(seed, atLogits: target == .logits && outputIsSoftmax, needInputGradient: true)
    }
}

// MARK: - Loss

/// Softmax followed by categorical cross-entropy, fused so it stays finite and its gradient is exact.
public enum SoftmaxCrossEntropy {
    /// Mean loss over the batch and dL/dz for the logits z.
    /// - Parameter output: the model output — probabilities p = softmax(z) when `outputIsProbabilities`,
    ///   else the logits z themselves.
    /// L = (1/N) Σ_n −log p[n, y_n];  dL/dz = (p − onehot(y)) / N.
    public static func lossAndGradient(output: Tensor, labels: [Int], outputIsProbabilities: Bool) -> (loss: Float, gradient: Tensor) {
        let n = labels.count, classes = output.shape.last ?? 1
        var p = output.scalars
        if !outputIsProbabilities { Activation.softmaxRows(&p, width: classes) }
        var total: Double = 0
        let invN = 1 / Float(max(n, 1))
        for s in 0..<n {
            let py = Double(p[s * classes + labels[s]])
            // −log p_y; p_y underflows to 0 only for logits ~90 apart, where the loss is clipped at −log(1e-38).
            total -= log(max(py, Double(Float.leastNormalMagnitude)))
            for j in 0..<classes { p[s * classes + j] *= invN }
            p[s * classes + labels[s]] -= invN
        }
        return (Float(total / Double(max(n, 1))), Tensor(shape: output.shape, scalars: p))
    }
}
