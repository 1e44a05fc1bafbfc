// AttributionError: the one error type of the Attribution module. Every case says what was wrong
// with the model, the inputs or the options, and what to change.
public import NeuralNet

/// Why an attribution, rendering or comparison could not be computed.
public enum AttributionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An option or argument is out of range (steps, samples, noise, percentiles, sizes).
    case invalidArgument(String)
    /// Inputs do not have the shape the model or the other operand needs.
    case shapeMismatch(String)
    /// The model has a structure this method cannot handle (e.g. no spatial layer for visual backprop).
    case unsupportedModel(String)
    /// A class index outside the model's output units.
    case classOutOfRange(class: Int, classes: Int)
    /// The network rejected the call.
    case network(NeuralNetError)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .unsupportedModel(let m): return "unsupported model: \(m)"
        case .classOutOfRange(let c, let n):
            return "class \(c) is outside the model's \(n) classes; choose a class in 0..<\(n)"
        case .network(let e): return "network: \(e)"
        }
    }
}
