// StageCommand: `hsiflow stage run FILE ID` — one stage alone, in its own process, reading its
// inputs from and writing its outputs to the cache (held shared; the stage under its own lock,
// so many of these share one cache). The hook a cluster executor uses.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel
import Tensors

struct StageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Work with single stages.",
        subcommands: [StageRunCommand.self])
}

struct StageRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one stage alone through the cache (everything it needs must be cached already).")

    @OptionGroup var experiment: ExperimentOptions

    @Argument(help: "The stage id, e.g. train or train[bands=pca].", completion: StageIDCompletion.instances)
    var stage: String

    @Flag(help: "Run it even if its outputs are cached.")
    var force = false

    @Option(help: "Worker threads for the stage (default: all cores). Results are the same bits at any count.")
    var threads: Int?

    @Flag(help: "Print the stage's record as JSON.")
    var json = false

    @OptionGroup var memory: MemoryOption

    func run() throws {
        memory.apply()
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let prepared = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.prepare(path: experiment.file, overrides: experiment.overrides)
        }
        let owner = "hsiflow stage run \(experiment.file) \(stage)"
        let hold = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.holdCache(owner: owner, wait: true) { holder in
                EngineSupport.printError("waiting for the cache lock held by \(holder)")
            }
        }
        defer { hold.release() }
        // The runner sets the worker count around the stage: --threads, else every core.
        let policy = ThreadPolicy(fixed: threads, cores: ProcessInfo.processInfo.activeProcessorCount,
                                  apply: { Workers.count = $0 })
        let outcome = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.runStage(prepared, id: stage, force: force,
                                  options: RunOptions(jobs: 1, threads: policy, owner: owner), observer: StageWaitNotice())
        }
        if json {
            EngineSupport.print(try EngineSupport.json(StageReport(outcome)))
        } else {
            EngineSupport.print("\(outcome.id): \(outcome.status.rawValue) (\(outcome.reason.description)) key \(outcome.key)")
        }
        if outcome.status == .failed {
            throw WorkFailedError("stage \(outcome.id) failed: \(outcome.error ?? "unknown error")")
        }
    }
}

/// Says on standard error when the stage waits for another process computing it.
private struct StageWaitNotice: RunObserver {
    func runStarted(total: Int, toRun: Int, jobs: Int) {}
    func stageStarted(_ id: StageID, kind: String) {}
    func stageProgress(_ id: StageID, fraction: Double?, message: String) {}
    func stageFinished(_ outcome: StageOutcome) {}
    func stageWaiting(_ id: StageID, holder: String) {
        EngineSupport.printError("\(id): waiting for \(holder), which is computing it")
    }
}

/// What `stage run --json` prints.
private struct StageReport: Encodable {
    let id: String
    let status: String
    let reason: String
    let key: String
    let outputs: [String: ObjectRef]
    let metrics: [String: ParamValue]
    let seconds: Double
    let error: String?

    init(_ o: StageOutcome) {
        id = o.id.description
        status = o.status.rawValue
        reason = o.reason.description
        key = o.key
        outputs = o.record?.outputs ?? [:]
        metrics = o.record?.metrics ?? [:]
        seconds = o.seconds
        error = o.error
    }
}
