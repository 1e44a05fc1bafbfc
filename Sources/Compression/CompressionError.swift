// CompressionError: the one error type of Compression. Cases carry the layer or argument at
// fault, and the message says what to change.
public import NeuralNet

/// A model could not be pruned, scored or quantized as asked.
public enum CompressionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Channels cannot be removed from this layer (not a Conv2D, or its output reaches a layer
    /// that mixes channels in a way surgery cannot follow).
    case notPrunable(layer: String, reason: String)
    /// The channel list for a layer is not valid (out of range, repeated, or every channel).
    case invalidChannels(layer: String, reason: String)
    /// Pruning levels are not valid (outside 0...100, not increasing, bad step).
    case invalidLevels(String)
    /// Another argument is not valid (bits, batch size, empty data, …).
    case invalidArgument(String)
    /// The neural-network layer rejected something (rebuilding, training or predicting).
    case model(NeuralNetError)

    public var description: String {
        switch self {
        case .notPrunable(let layer, let reason): return "layer \(layer) cannot be pruned: \(reason)"
        case .invalidChannels(let layer, let reason): return "channels of layer \(layer): \(reason)"
        case .invalidLevels(let m): return "pruning levels: \(m)"
        case .invalidArgument(let m): return m
        case .model(let e): return e.description
        }
    }
}

/// Runs a NeuralNet call, wrapping its error.
@inline(__always)
func wrapping<T>(_ body: () throws(NeuralNetError) -> T) throws(CompressionError) -> T {
    do { return try body() } catch { throw .model(error) }
}
