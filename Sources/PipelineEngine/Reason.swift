// Reason: why the planner or the runner decided what it did about a stage, as a value carrying
// the data it refers to. The planner produces them, the runner moves between them by named
// transitions (early cutoff, computed by another run, corrupt output recomputed), and they become
// text only when shown or recorded (`description`, the one rendering).
public import PipelineModel

/// Why a stage runs, is reused, is skipped or is left out.
public indirect enum Reason: Sendable, Hashable {
    // MARK: Run: the stage itself changed since the previous manifest
    /// The previous manifest has no such stage (or there is no previous manifest).
    case newStage
    /// The stage's kind changed.
    case kindChanged(from: String, to: String)
    /// The kind's implementation version changed.
    case versionChanged(kind: String, from: Int, to: Int)
    /// Parameters changed (every change, in path order).
    case paramsChanged([ParamValue.Change])
    /// The experiment seed changed.
    case seedChanged(from: Int, to: Int)
    /// An input file's content changed.
    case inputFileChanged(path: String)
    /// An upstream stage's outputs changed (or will, because it changed).
    case upstreamChanged(StageID)
    /// The stage failed in the previous run.
    case failedLastRun
    /// The stage was skipped (or never got a key) in the previous run.
    case skippedLastRun

    // MARK: Run: nothing changed, but the cache cannot serve it
    /// Its key has no record in the cache (a fresh or wiped cache, or a collected entry).
    case notInCache
    /// The record exists but names an output the cache no longer has.
    case outputMissing(name: String)
    /// An upstream stage reruns without having changed; this stage is reused if that stage's
    /// outputs come out identical and recomputed otherwise.
    case upstreamReruns(StageID)
    /// `--force` named the stage.
    case forced

    // MARK: Reuse
    /// Same key as the previous run, record and outputs present.
    case unchanged
    /// The stage changed, but back to a key that is cached (the change that led there).
    case restored(from: Reason?)
    /// Planned to run because an upstream stage reran; its outputs came out byte-identical, so
    /// the key is unchanged and cached (the runner's early cutoff).
    case earlyCutoff
    /// Another run computed the stage while this one waited for its lock.
    case computedByAnotherRun

    // MARK: Runner: recomputations
    /// A cached output did not match its hash; the record was dropped and the stage recomputed.
    case corruptOutput(name: String)
    /// The plan reused a record that was gone when the stage's turn came.
    case recordVanished

    // MARK: Not run
    /// Left out by `--only`.
    case notSelected
    /// An upstream stage failed.
    case upstreamFailed(StageID)
    /// An upstream stage was skipped.
    case upstreamSkipped(StageID)
    /// An upstream stage has no outcome (internal inconsistency).
    case upstreamDidNotRun(StageID)
    /// The run stopped after a failure (without --keep-going).
    case stoppedAfter(StageID)
    /// Another process holds the stage's lock and waiting was not allowed (`--no-wait`).
    case lockBusy(holder: String)
    /// No kind of this name is registered.
    case unknownKind
    /// The stage is missing from the plan (internal inconsistency).
    case notInPlan

    // MARK: Recorded
    /// A reason another process decided and recorded as text (a detached Slurm run's plan, read
    /// back by `hsiflow status`); shown as it was recorded, never decided on.
    case recorded(String)

    /// True for a change of the stage's own definition (kind, implementation, parameters, seed):
    /// when such a stage turns out cached, it was restored to an earlier key, not cut off early.
    public var isOwnChange: Bool {
        switch self {
        case .kindChanged, .versionChanged, .paramsChanged, .seedChanged: return true
        default: return false
        }
    }

    /// True when the stage's inputs or definition differ from the previous run, so its dependents'
    /// inputs change too; false when it reruns only because the cache cannot serve it.
    public var changesOutputs: Bool {
        switch self {
        case .newStage, .kindChanged, .versionChanged, .paramsChanged, .seedChanged, .inputFileChanged,
             .upstreamChanged, .failedLastRun, .skippedLastRun:
            return true
        default:
            return false
        }
    }
}

extension Reason: CustomStringConvertible {
    /// The text shown by `plan` and `run` and recorded in manifests (`reason`).
    public var description: String {
        switch self {
        case .newStage: return "new stage"
        case .kindChanged(let from, let to): return "kind \(from) → \(to)"
        case .versionChanged(let kind, let from, let to): return "implementation of \(kind) v\(from) → v\(to)"
        case .paramsChanged(let changes):
            let shown = changes.prefix(3).map { "params.\($0.text)" }.joined(separator: ", ")
            return changes.count > 3 ? "\(shown) (+\(changes.count - 3) more)" : shown
        case .seedChanged(let from, let to): return "seed \(from) → \(to)"
        case .inputFileChanged(let path): return "input file \(path) changed"
        case .upstreamChanged(let id): return "input \(id) changed"
        case .failedLastRun: return "failed last run"
        case .skippedLastRun: return "skipped last run"
        case .notInCache: return "not in cache"
        case .outputMissing(let name): return "output \(name) missing from cache"
        case .upstreamReruns(let id): return "after \(id) reruns (reused if its outputs come out identical)"
        case .forced: return "--force"
        case .unchanged: return "unchanged"
        case .restored(let from): return "restored from cache" + (from.map { ": \($0)" } ?? "")
        case .earlyCutoff: return "inputs reran with identical outputs (early cutoff)"
        case .computedByAnotherRun: return "computed by another run while this one waited"
        case .corruptOutput(let name): return "output \(name) corrupt or missing in cache (hash mismatch); recomputed"
        case .recordVanished: return "cached record vanished; recomputed"
        case .notSelected: return "not selected by --only"
        case .upstreamFailed(let id): return "needs \(id), which failed"
        case .upstreamSkipped(let id): return "needs \(id), which was skipped"
        case .upstreamDidNotRun(let id): return "needs \(id), which did not run"
        case .stoppedAfter(let id): return "not run: stopped after \(id) failed (--keep-going runs independent stages)"
        case .lockBusy(let holder): return "stage locked by \(holder) (--no-wait)"
        case .unknownKind: return "unknown kind"
        case .notInPlan: return "not in the plan"
        case .recorded(let text): return text
        }
    }
}
