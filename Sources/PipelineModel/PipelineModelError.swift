// PipelineModelError: the one error type of PipelineModel (manifests that cannot be read or written).

/// A manifest could not be encoded or decoded.
public enum PipelineModelError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadableManifest(path: String, reason: String)
    case unsupportedSchema(path: String, found: Int, supported: Int)
    case encodingFailed(String)

    public var description: String {
        switch self {
        case .unreadableManifest(let path, let reason):
            return "cannot read manifest \(path): \(reason)"
        case .unsupportedSchema(let path, let found, let supported):
            return "manifest \(path) has schemaVersion \(found), this hsiflow reads \(supported); use a matching hsiflow version"
        case .encodingFailed(let reason):
            return "cannot encode the manifest: \(reason)"
        }
    }
}
