// TFLiteError: what can go wrong turning a model into a `.tflite` file or reading one back.

/// Errors of the TFLite module.
public enum TFLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model holds a layer or setting TFLite export does not cover.
    case unsupported(model: String, reason: String)
    /// Bytes that are not a TFLite model HSIFlow can read.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupported(model, reason): return "model \(model) cannot be exported to .tflite: \(reason)"
        case let .malformed(path, reason): return "\(path): \(reason)"
        }
    }
}
