// FileFormatsError: the one error type of FileFormats. Every case names the file
// and says what is wrong with it, so a user knows which file to fix and how.

/// A file could not be read or written.
public enum FileFormatsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file does not exist or cannot be opened.
    case unreadable(path: String, reason: String)
    /// The file exists but its content is not what its format promises.
    case malformed(path: String, reason: String)
    /// The file is well formed but holds something other than what was asked for.
    case unexpectedContent(path: String, reason: String)
    /// Writing failed.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformed(let path, let reason): return "\(path) is malformed: \(reason)"
        case .unexpectedContent(let path, let reason): return "\(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
