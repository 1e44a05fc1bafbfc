// SpectralDataError: the one error type of the SpectralData module.

/// Problems with cubes, label maps, splits and patches; each message says what to change.
public enum SpectralDataError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidShape(String)
    case invalidArgument(String)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .invalidShape(let m): return "invalid shape: \(m)"
        case .invalidArgument(let m): return m
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        }
    }
}
