// InferenceModel: what prediction needs from a model — a batch in, outputs out, no gradients —
// so a float Sequential and an int8 network (Compression's Int8Network) run through the same
// batching (Prediction.swift), scene classification (Classification.swift) and latency routine.
public import Tensors

/// A model that maps batches [N, …inputShape] to outputs [N, outputUnits] for inference.
public protocol InferenceModel: Sendable {
    /// The model's name (for messages).
    var name: String { get }
    /// Per-sample input shape, e.g. [5, 5, 200].
    var inputShape: [Int] { get }
    /// Outputs (classes) per sample.
    var outputUnits: Int { get }
    /// Outputs for a batch whose shape was checked (`checkInput`).
    mutating func infer(_ x: Tensor) -> Tensor
    /// Threads a call on `batchSize` samples runs on at the current `Workers.count` (what a
    /// latency record says); by default `Workers.count`.
    func threads(batchSize: Int) -> Int
}

extension InferenceModel {
    public func threads(batchSize: Int) -> Int { Workers.count }

    /// Checks a batch against the model's per-sample input shape.
    public func checkInput(_ x: Tensor) throws(NeuralNetError) {
        guard x.rank == inputShape.count + 1, Array(x.shape.dropFirst()) == inputShape else {
            throw .invalidArgument("model \(name) takes batches of shape [N, \(inputShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
        }
    }
}

extension Sequential: InferenceModel {
    /// The inference-mode forward pass.
    public mutating func infer(_ x: Tensor) -> Tensor { forward(x, training: false) }
}
