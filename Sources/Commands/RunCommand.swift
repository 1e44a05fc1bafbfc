// RunCommand: `hsiflow run FILE` — parse, then the engine's workspace does the work: hold the
// cache shared, plan, run (in parallel with --jobs; stages other runs compute are waited for and
// reused), write the run's record under results/<name>/runs/<run-id>/ and the current
// results/<name>/manifest.json. Renders the summary and exits 1 if a stage failed.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel
import Tensors

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment, reusing every cached stage whose inputs and parameters did not change.")

    @OptionGroup var experiment: ExperimentOptions

    @Option(name: .shortAndLong, help: "Stages to run at the same time (the cores are shared out between them).")
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Worker threads for each running stage (default: the cores shared out between --jobs). Results are the same bits at any count.", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Rerun this stage even if cached (a stage name stands for all its matrix instances).", valueName: "stage"), completion: StageIDCompletion.selectors)
    var force: [String] = []

    @Option(help: ArgumentHelp("Run only this stage and what it needs.", valueName: "stage"), completion: StageIDCompletion.selectors)
    var only: [String] = []

    @Flag(help: "After a failure, keep running the stages that do not depend on it.")
    var keepGoing = false

    @Option(help: ArgumentHelp("Where results/<name>/ folders go.", valueName: "dir"))
    var results: String = "results"

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print the manifest as JSON instead of the summary.")
    var json = false

    @Flag(help: "Fail instead of waiting for a lock: the cache held by maintenance (cache gc/verify), or a stage another run is computing.")
    var noWait = false

    @OptionGroup var memory: MemoryOption

    @Option(help: ArgumentHelp("Where stages run: local (this process) or slurm (one Slurm job per stage); default: the file's executor: kind, else local.", valueName: "local|slurm"))
    var executor: ExecutorChoice?

    @Flag(help: "With --executor slurm: submit the jobs, print the run id and exit; `hsiflow status RUN` collects the results.")
    var detach = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if detach && executor == .local { throw ValidationError("--detach needs --executor slurm") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        memory.apply()
        let started = Date()
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let prepared = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.prepare(path: experiment.file, overrides: experiment.overrides)
        }
        let options = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.options(prepared, force: force, only: only)
        }
        let quietOutput = quiet || json
        let owner = "hsiflow run \(experiment.file)"
        let workspace = Workspace(pipeline: pipeline, resultsRoot: URL(fileURLWithPath: results), experiment: prepared)
        let hold = try EngineSupport.mapErrors { () throws(EngineError) in
            try workspace.hold(owner: owner, wait: !noWait) { holder in
                if !quietOutput { EngineSupport.printError("waiting for the cache lock held by \(holder)") }
            }
        }
        defer { hold.release() }

        let previous = workspace.previous
        let plan = pipeline.plan(prepared, previous: previous, options: options)
        let chosen = executor ?? ExecutorChoice(rawValue: ExecutorSettings.resolved(prepared.spec.executor).kind.rawValue) ?? .local
        if chosen == .slurm {
            try SlurmRunning.run(pipeline: pipeline, prepared: prepared, plan: plan, experiment: experiment, resultsRoot: results,
                                 keepGoing: keepGoing, detach: detach, quiet: quiet, json: json, started: started)
            return
        }
        if detach { throw UserInputError("--detach needs the Slurm executor (--executor slurm, or executor: {kind: slurm} in the file)") }
        // The runner shares the cores out between the stages computing at each moment (a stage
        // computing alone gets them all) unless --threads fixes the count.
        let policy = ThreadPolicy(fixed: threads, cores: ProcessInfo.processInfo.activeProcessorCount,
                                  apply: { Workers.count = $0 })
        let observer = ProgressDisplay(mode: .choose(quiet: quiet, json: json),
                                       progress: RunProgress(plan: plan, graph: prepared.graph, previous: previous,
                                                             jobs: jobs, startedAt: Date()))
        let run = try EngineSupport.mapErrors { () throws(EngineError) in
            try workspace.run(
                prepared, plan: plan, previous: previous,
                options: RunOptions(jobs: jobs, keepGoing: keepGoing, threads: policy, owner: owner, waitForLocks: !noWait),
                observer: observer, toolVersion: HSIFlowCommand.version,
                environment: EnvironmentCollector.collect(threads: policy.threads(computing: min(jobs, max(1, plan.runCount))), jobs: jobs),
                startedAt: started)
        }
        observer.finish()
        let result = run.result
        let cacheRoot = pipeline.store.directory ?? FileStore.defaultRoot(flag: experiment.cache)
        // A no-op run left the manifest as it was, so the report written from it still stands.
        let existingReport = workspace.results.directory.appendingPathComponent("report.html")
        let reportURL = run.isNoOp && FileManager.default.fileExists(atPath: existingReport.path)
            ? existingReport : try ReportWriter.write(run.current, into: workspace.results.directory, cacheRoot: cacheRoot)
        if json {
            EngineSupport.print(String(decoding: try run.record.encoded(), as: UTF8.self))
        } else if !quiet {
            EngineSupport.print(RunSummaryRenderer.render(result, plan: plan, manifestPath: workspace.results.manifestURL.path,
                                                          wallSeconds: Date().timeIntervalSince(started)))
            EngineSupport.print("report: \(reportURL.path)")
        }
        // A stage another run was computing, with --no-wait: the cache was busy, not the stage broken.
        for outcome in result.outcomes {
            if case .lockBusy = outcome.reason, let error = outcome.error { throw UserInputError(error) }
        }
        let failed = result.failed
        if !failed.isEmpty {
            let lines = failed.map { "  \($0.id): \($0.error ?? "failed")" }.joined(separator: "\n")
            throw WorkFailedError("\(failed.count) stage\(failed.count == 1 ? "" : "s") failed:\n\(lines)")
        }
    }
}
