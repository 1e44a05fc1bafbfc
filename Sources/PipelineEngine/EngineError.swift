// EngineError: the one error type of PipelineEngine. Experiment-file problems are collected
// into one `invalidExperiment` listing every problem with file:line:column; the other cases
// carry the stage, path or lock holder involved and say what to do next.
public import PipelineModel

/// One problem in an experiment file or its command-line overrides.
public struct ValidationProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let position: SourcePosition
    public let message: String

    public init(_ position: SourcePosition, _ message: String) {
        self.position = position
        self.message = message
    }

    /// `experiments/x.yaml:12:5: unknown key 'epoch' in stage train (did you mean 'epochs'?)`
    public var description: String { "\(position): \(message)" }
}

/// Everything that can go wrong in the engine.
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The experiment file (or a `--set`) has problems; all of them are listed.
    case invalidExperiment(path: String, problems: [ValidationProblem])
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The cache could not be read or written.
    case storeFailure(path: String, reason: String)
    /// A cached object's bytes do not match its hash (it has been dropped).
    case corruptObject(sha256: String)
    /// A stage id given on the command line does not exist.
    case unknownStage(String, suggestion: String?)
    /// A stage run alone needs an upstream stage that has no cached outputs.
    case missingUpstream(stage: String, upstream: String)
    /// A stage to recompute has no cached outputs under its current key (`reason`: why not).
    case notCached(stage: String, reason: String)
    /// A stage's own work failed.
    case stageFailed(stage: String, message: String)
    /// The cache is locked by another process and waiting was not allowed.
    case locked(path: String, holder: String)
    /// A stage asked for an input or parameter it does not have.
    case stageContract(stage: String, message: String)
    /// A path HSIFlow would write or delete leads out of its folder (a symbolic link, a special file).
    case unsafePath(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidExperiment(let path, let problems):
            let noun = problems.count == 1 ? "problem" : "problems"
            return "\(path) has \(problems.count) \(noun):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .storeFailure(let path, let reason):
            return "cache error at \(path): \(reason); check the disk and permissions, or point --cache elsewhere"
        case .corruptObject(let sha):
            return "cached object \(sha) is corrupt (its bytes do not match its hash); it was dropped and will be recomputed"
        case .unknownStage(let id, let suggestion):
            return "no stage '\(id)' in the experiment" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "; `hsiflow graph FILE` lists the stages")
        case .missingUpstream(let stage, let upstream):
            return "stage \(stage) needs \(upstream), which has no cached outputs for its current key; run `hsiflow stage run FILE \(upstream)` (or `hsiflow run FILE`) first"
        case .notCached(let stage, let reason):
            return "stage \(stage) is not cached under its current key (\(reason)), so there is nothing to compare with; run it first (`hsiflow run FILE --only \(stage)`)"
        case .stageFailed(let stage, let message):
            return "stage \(stage) failed: \(message)"
        case .locked(let path, let holder):
            return "the cache \(path) is locked by \(holder); wait for that run to finish (a killed run releases the lock by itself)"
        case .stageContract(let stage, let message):
            return "stage \(stage): \(message)"
        case .unsafePath(let path, let reason):
            return "refusing to write \(path): \(reason)"
        }
    }
}
