// Parameter-free layers: a stand-alone activation (Keras `Activation`/`ReLU`/`Softmax`),
// Flatten (NHWC, row-major, as Keras' channels_last Flatten), Dropout (inverted, seeded) and
// MaxPool2D (valid, any pool and stride). Each keeps what its backward pass needs.
public import Tensors

/// An activation as its own layer.
public struct ActivationLayer: Layer {
    public let name: String
    public let activation: Activation
    private var output: Tensor?

    public init(name: String, activation: Activation) {
        self.name = name
        self.activation = activation
    }

    public var spec: LayerSpec { .activation(activation, name: name) }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { inputShape }

    // x: (N, …) -> y: (N, …); softmax along the last axis.
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        activation.apply(&y.scalars, width: x.shape.last ?? 1)
        output = y
        return y
    }

    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        guard let y = output, y.shape == gradient.shape else {
            preconditionFailure("layer \(name): backward needs a forward pass with an output of the gradient's shape")
        }
        guard needInputGradient else { return nil }
        if skipActivation { return gradient }
        return Tensor(shape: y.shape, scalars: activation.backward(output: y.scalars, gradient: gradient.scalars, width: y.shape.last ?? 1))
    }
}

/// Flattens each sample to a vector (row-major over H, W, C).
public struct Flatten: Layer {
    public let name: String
    private var inputShape: [Int] = []

    public init(name: String) { self.name = name }

    public var spec: LayerSpec { .flatten(name: name) }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { [Tensor.count(of: inputShape)] }

    // x: (N, H, W, C) -> y: (N, H·W·C)
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        let n = x.shape.first ?? 0
        return x.reshaped([n, n == 0 ? 0 : x.count / n])
    }

    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        needInputGradient ? gradient.reshaped(inputShape) : nil
    }
}

/// Inverted dropout: while training, zeroes each element with probability `rate` and scales the
/// rest by 1/(1 − rate); at inference it is the identity (Srivastava et al., 2014).
public struct Dropout: Layer {
    public let name: String
    public let rate: Double
    private var rng: SeededRandom
    private var mask: [Float] = []

    /// A dropout layer whose masks come from `seed`.
    public init(name: String, rate: Double, seed: UInt64) {
        self.name = name
        self.rate = rate
        rng = SeededRandom(seed: seed)
    }

    public var spec: LayerSpec { .dropout(rate: rate, name: name) }

    /// Restarts the mask stream from `seed` (each data-parallel shard draws its own masks).
    public mutating func reseed(_ seed: UInt64) { rng = SeededRandom(seed: seed) }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { inputShape }

    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            mask = []
            return x
        }
        let keep = Float(1 - rate), scale = 1 / Float(1 - rate)
        mask = (0..<x.count).map { _ in rng.nextUnitFloat() < keep ? scale : 0 }
        return Tensor(shape: x.shape, scalars: zip(x.scalars, mask).map { $0 * $1 })
    }

    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        if mask.isEmpty { return gradient }
        return Tensor(shape: gradient.shape, scalars: zip(gradient.scalars, mask).map { $0 * $1 })
    }
}

/// Max pooling over PH×PW windows moved by the strides, no padding (Keras `padding="valid"`).
public struct MaxPool2D: Layer {
    public let name: String
    public let pool: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    private var inputShape: [Int] = []
    /// For every output element, the flat index of the input element that won.
    private var winners: [Int] = []

    public init(name: String, pool: (Int, Int), strides: (Int, Int)? = nil) {
        self.name = name
        self.pool = (pool.0, pool.1)
        self.strides = strides.map { ($0.0, $0.1) } ?? (pool.0, pool.1)
    }

    public var spec: LayerSpec { .maxPool2D(pool: [pool.height, pool.width], strides: [strides.height, strides.width], name: name) }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        guard inputShape.count == 3 else {
            throw .incompatibleShape(layer: name, reason: "MaxPool2D needs height×width×channels input, got \(inputShape)")
        }
        guard inputShape[0] >= pool.height, inputShape[1] >= pool.width else {
            throw .incompatibleShape(layer: name, reason: "a \(pool.height)×\(pool.width) pool does not fit a \(inputShape[0])×\(inputShape[1]) input")
        }
        return [(inputShape[0] - pool.height) / strides.height + 1, (inputShape[1] - pool.width) / strides.width + 1, inputShape[2]]
    }

    // x: (N, H, W, C) -> y: (N, OH, OW, C)
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h - pool.height) / strides.height + 1, ow = (w - pool.width) / strides.width + 1
        var y = [Float](repeating: 0, count: n * oh * ow * c)
        winners = [Int](repeating: 0, count: y.count)
        x.scalars.withUnsafeBufferPointer { xp in
            for s in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
                var best = -Float.infinity, bestIndex = -1
                for py in 0..<pool.height { for px in 0..<pool.width {
                    let i = ((s * h + oy * strides.height + py) * w + ox * strides.width + px) * c + ch
                    if bestIndex < 0 || xp[i] > best { best = xp[i]; bestIndex = i }
                }}
                let o = ((s * oh + oy) * ow + ox) * c + ch
                y[o] = best
                winners[o] = bestIndex
            }}}}
        }
        inputShape = x.shape
        return Tensor(shape: [n, oh, ow, c], scalars: y)
    }

    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        var dx = [Float](repeating: 0, count: Tensor.count(of: inputShape))
        for (o, i) in winners.enumerated() { dx[i] += gradient.scalars[o] }
        return Tensor(shape: inputShape, scalars: dx)
    }
}
