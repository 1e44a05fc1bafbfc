// RunCommand: `hsiflow run FILE` — validate, plan under the cache lock, run (in parallel with
// --jobs), write the run's record under results/<name>/runs/<run-id>/ and the current
// results/<name>/manifest.json (a partial run carries over the stages it left alone), and exit 1 if a stage failed.
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

    @Flag(help: "Fail instead of waiting when another run holds the cache lock.")
    var noWait = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let started = Date()
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let prepared = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.prepare(path: experiment.file, overrides: experiment.overrides)
        }
        let options = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.options(prepared, force: force, only: only)
        }
        let quietOutput = quiet || json
        let lock = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.store.lock(owner: "hsiflow run \(experiment.file)", wait: !noWait) { holder in
                if !quietOutput { EngineSupport.printError("waiting for the cache lock held by \(holder)") }
            }
        }
        defer { lock.release() }
        (pipeline.store as? FileStore)?.removeStaleTemporaries()

        let folder = ResultsFolder(resultsRoot: URL(fileURLWithPath: results), experiment: prepared.spec.name)
        let previous = folder.currentManifest()
        let plan = pipeline.plan(prepared, previous: previous, options: options)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let parallel = min(jobs, max(1, plan.runCount))
        let threads = self.threads ?? max(1, cores / parallel)
        Workers.count = threads
        let observer = ProgressDisplay(mode: .choose(quiet: quiet, json: json),
                                       progress: RunProgress(plan: plan, graph: prepared.graph, previous: previous,
                                                             jobs: jobs, startedAt: Date()))
        let (result, manifest) = pipeline.run(
            prepared, plan: plan,
            options: RunOptions(jobs: jobs, keepGoing: keepGoing, threadsPerJob: threads),
            observer: observer, toolVersion: HSIFlowCommand.version,
            environment: EnvironmentCollector.collect(threads: threads, jobs: jobs), startedAt: started)
        observer.finish()
        // The run's record says what it did; the current manifest (and so the report) keeps the
        // stages a partial run left alone.
        let current = pipeline.current(after: manifest, result: result, plan: plan, previous: previous, prepared: prepared)
        try EngineSupport.mapErrors { () throws(EngineError) in try folder.write(record: manifest, current: current) }
        let cacheRoot = (pipeline.store as? FileStore)?.root ?? FileStore.defaultRoot(flag: experiment.cache)
        let reportURL = try ReportWriter.write(current, into: folder.directory, cacheRoot: cacheRoot)
        if json {
            EngineSupport.print(String(decoding: try manifest.encoded(), as: UTF8.self))
        } else if !quiet {
            EngineSupport.print(RunSummaryRenderer.render(result, plan: plan, manifestPath: folder.manifestURL.path,
                                                          wallSeconds: Date().timeIntervalSince(started)))
            EngineSupport.print("report: \(reportURL.path)")
        }
        let failed = result.failed
        if !failed.isEmpty {
            let lines = failed.map { "  \($0.id): \($0.error ?? "failed")" }.joined(separator: "\n")
            throw WorkFailedError("\(failed.count) stage\(failed.count == 1 ? "" : "s") failed:\n\(lines)")
        }
    }
}
