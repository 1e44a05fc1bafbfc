// Prediction: applying a model (float or int8, any InferenceModel) to many samples in batches
// (bounded memory). Samples come from a closure; classifying a scene's pixels (patches cut from a cube) is Classification.swift.
public import Tensors

extension InferenceModel {
    /// Model outputs for `count` samples, `batchSize` at a time; `batch(range)` supplies the inputs of
    /// samples `range` (shape [range.count, …]). Returns [count, outputUnits].
    public mutating func predict(count: Int, batchSize: Int = 512,
                                 batch: (Range<Int>) throws -> Tensor) throws -> Tensor {
        guard batchSize > 0 else { throw NeuralNetError.invalidArgument("batch size must be positive, got \(batchSize)") }
        let units = outputUnits
        var out = [Float]()
        out.reserveCapacity(count * units)
        var start = 0
        while start < count {
            let range = start ..< min(start + batchSize, count)
            let x = try batch(range)
            try checkInput(x)
            guard x.shape[0] == range.count else {
                throw NeuralNetError.invalidArgument("batch for samples \(range) has \(x.shape[0]) samples")
            }
            out.append(contentsOf: infer(x).scalars)
            start = range.upperBound
        }
        return Tensor(shape: [count, units], scalars: out)
    }

    /// Model outputs for a whole tensor of samples [N, …], in batches.
    public mutating func predict(_ inputs: Tensor, batchSize: Int = 512) throws(NeuralNetError) -> Tensor {
        try checkInput(inputs)
        do {
            return try predict(count: inputs.shape[0], batchSize: batchSize) { inputs.slicing(rows: $0) }
        } catch let error as NeuralNetError {
            throw error
        } catch {
            throw .invalidArgument("prediction failed: \(error)")
        }
    }
}
