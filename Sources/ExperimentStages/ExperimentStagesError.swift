// ExperimentStagesError: the one error type of ExperimentStages — a stage's inputs or settings
// do not fit together (labels for another cube, too few classes, a missing split file); the
// message names the stage and says what to change in the experiment file.

/// A stage cannot work with what it was given.
public enum ExperimentStagesError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidInput(stage: String, reason: String)
    /// A deployment pipeline file (or the parts for one) that does not fit together.
    case invalidPipeline(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let stage, let reason): return "stage \(stage): \(reason)"
        case .invalidPipeline(let path, let reason): return "\(path): \(reason)"
        }
    }
}
