// NeuralNetError: the one error type of NeuralNet. Cases carry the layer or argument at
// fault and the message says what to change.

/// A model could not be built, trained or applied as asked.
public enum NeuralNetError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A layer cannot take the shape that reaches it (e.g. a valid 3×3 kernel on a 2×2 input).
    case incompatibleShape(layer: String, reason: String)
    /// A layer or model description is not valid (unknown kind, missing or bad field).
    case invalidSpec(String)
    /// Training or prediction arguments are not valid (empty data, bad batch size, labels out of range).
    case invalidArgument(String)
    /// Weights given to a layer do not match its parameters.
    case weightMismatch(layer: String, reason: String)

    public var description: String {
        switch self {
        case .incompatibleShape(let layer, let reason): return "layer \(layer): \(reason)"
        case .invalidSpec(let m): return "invalid model: \(m)"
        case .invalidArgument(let m): return m
        case .weightMismatch(let layer, let reason): return "weights for layer \(layer): \(reason)"
        }
    }
}
