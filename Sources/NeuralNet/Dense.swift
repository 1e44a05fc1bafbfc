// Dense: a fully connected layer with a Keras-layout kernel (in, out), bias and a fused activation.
// x: (N, I) -> y: (N, O); dW = xᵀ·dz (I, O), db = Σ_rows dz, dx = dz·Wᵀ (N, I).
public import Tensors

/// Fully connected layer y = act(x·W + b).
public struct Dense: Layer {
    public let name: String
    /// Number of outputs (O).
    public let units: Int
    /// Activation fused into the output.
    public let activation: Activation
    /// Kernel (I, O), Keras layout.
    public private(set) var kernel: Tensor
    /// Bias (O).
    public private(set) var bias: Tensor
    /// dL/dkernel from the last backward pass.
    public private(set) var kernelGradient: Tensor
    /// dL/dbias from the last backward pass.
    public private(set) var biasGradient: Tensor

    private var input: Tensor?
    private var output: Tensor?

    /// A dense layer over `inputs` features with Glorot-uniform kernel and zero bias.
    public init(name: String, units: Int, inputs: Int, activation: Activation, rng: inout SeededRandom) {
        self.name = name
        self.units = units
        self.activation = activation
        kernel = Initializer.glorotUniform(shape: [inputs, units], fanIn: inputs, fanOut: units, rng: &rng)
        bias = Tensor(shape: [units])
        kernelGradient = Tensor(shape: kernel.shape)
        biasGradient = Tensor(shape: [units])
    }

    public var spec: LayerSpec { .dense(units: units, activation: activation, name: name) }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        guard inputShape.count == 1 else {
            throw .incompatibleShape(layer: name, reason: "Dense needs a flat input, got \(inputShape); put a flatten layer before it")
        }
        guard inputShape[0] == kernel.shape[0] else {
            throw .incompatibleShape(layer: name, reason: "kernel expects \(kernel.shape[0]) inputs, got \(inputShape[0])")
        }
        return [units]
    }

    // x: (N, I) -> y: (N, O)
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == kernel.shape[0], "layer \(name): input \(x.shape) does not fit kernel \(kernel.shape)")
        var y = Tensor.matmul(x, kernel)
        y.addRow(bias)
        activation.apply(&y.scalars, width: units)
        input = x
        output = y
        return y
    }

    // dy: (N, O) -> dx: (N, I)
    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        guard let x = input, let y = output, gradient.shape == y.shape else {
            preconditionFailure("layer \(name): backward needs a forward pass with an output of the gradient's shape")
        }
        let dz = skipActivation ? gradient
            : Tensor(shape: y.shape, scalars: activation.backward(output: y.scalars, gradient: gradient.scalars, width: units))
        kernelGradient = Tensor.matmul(x, dz, transposeA: true)
        biasGradient = dz.sumOverRows()
        return needInputGradient ? Tensor.matmul(dz, kernel, transposeB: true) : nil
    }

    public var parameterNames: [String] { ["kernel", "bias"] }
    public var parameters: [Tensor] { [kernel, bias] }
    public var gradients: [Tensor] { [kernelGradient, biasGradient] }

    public mutating func setParameters(_ values: [Tensor]) throws(NeuralNetError) {
        try checkParameterShapes(values)
        kernel = values[0]
        bias = values[1]
    }

    public mutating func updateParameters(_ update: (Int, inout Tensor, Tensor) -> Void) {
        update(0, &kernel, kernelGradient)
        update(1, &bias, biasGradient)
    }

    public mutating func setGradients(_ values: [Tensor]) {
        precondition(values.count == 2 && values[0].shape == kernel.shape && values[1].shape == bias.shape,
                     "layer \(name): gradients must match kernel \(kernel.shape) and bias \(bias.shape)")
        kernelGradient = values[0]
        biasGradient = values[1]
    }
}
