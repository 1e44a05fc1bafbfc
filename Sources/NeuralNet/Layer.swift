// Layer: the protocol every network layer implements — a forward pass that remembers what its
// backward pass needs, a backward pass that fills parameter gradients and returns the input
// gradient, and named parameters. Batches are the first axis; per-sample shapes exclude it.
public import Tensors

/// A network layer: forward/backward pair with named parameters (NHWC images, [N, F] vectors).
public protocol Layer: Sendable {
    /// Unique name within a model (Keras layer name; it names the weights' group in a model file).
    var name: String { get }
    /// The declarative description that rebuilds this layer (weights aside).
    var spec: LayerSpec { get }
    /// The activation fused into this layer's output (`.linear` when none).
    var activation: Activation { get }
    /// Per-sample output shape for a per-sample input shape, or an error naming the layer.
    func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int]
    /// y = f(x) for a batch; remembers what `backward` needs. `training` turns on dropout.
    mutating func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Given dL/dy for the last forward batch, stores dL/dθ for every parameter and returns dL/dx
    /// (nil when `needInputGradient` is false). With `skipActivation`, `gradient` is already
    /// dL/dz for the pre-activation z (the fused softmax–cross-entropy path).
    mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor?
    /// Parameter names in Keras order ("kernel", "bias").
    var parameterNames: [String] { get }
    /// Parameter values in `parameterNames` order.
    var parameters: [Tensor] { get }
    /// Gradients from the last `backward`, in `parameterNames` order.
    var gradients: [Tensor] { get }
    /// Replaces the parameters; shapes must match.
    mutating func setParameters(_ values: [Tensor]) throws(NeuralNetError)
    /// Calls `update(index, &value, gradient)` for every parameter (the optimizers' entry point).
    mutating func updateParameters(_ update: (Int, inout Tensor, Tensor) -> Void)
    /// Replaces the stored gradients (data-parallel training combines shards' gradients this way).
    mutating func setGradients(_ values: [Tensor])
}

extension Layer {
    public var activation: Activation { .linear }
    public var parameterNames: [String] { [] }
    public var parameters: [Tensor] { [] }
    public var gradients: [Tensor] { [] }
    public mutating func setParameters(_ values: [Tensor]) throws(NeuralNetError) {
        guard values.isEmpty else {
            throw .weightMismatch(layer: name, reason: "this layer has no weights, \(values.count) given")
        }
    }
    public mutating func updateParameters(_ update: (Int, inout Tensor, Tensor) -> Void) {}
    public mutating func setGradients(_ values: [Tensor]) {}

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Checks `values` against the current parameters' shapes.
    func checkParameterShapes(_ values: [Tensor]) throws(NeuralNetError) {
        let current = parameters
        guard values.count == current.count else {
            throw .weightMismatch(layer: name, reason: "expected \(current.count) arrays (\(parameterNames.joined(separator: ", "))), got \(values.count)")
        }
        for (i, (v, c)) in zip(values, current).enumerated() where v.shape != c.shape {
            throw .weightMismatch(layer: name, reason: "\(parameterNames[i]) must have shape \(c.shape), got \(v.shape)")
        }
    }
}
