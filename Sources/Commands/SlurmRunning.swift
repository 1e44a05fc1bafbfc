// SlurmRunning: the command side of the Slurm executor — `hsiflow run --executor slurm` submits
// through the engine's SlurmExecutor, then (unless --detach) watches and collects; `hsiflow
// status RUN` watches and collects a detached run later. Owns what belongs to a command: the
// signal trap (Ctrl-C or SIGTERM cancels every job the run submitted), progress and summary
// lines, and the exit status (1 when a stage failed, 130 when interrupted).
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

/// Where the stages of `hsiflow run` go (`--executor`; the file's `executor: kind:` otherwise).
enum ExecutorChoice: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
}

enum SlurmRunning {
    /// The `hsiflow` executable the jobs run: `HSIFLOW_BINARY` if set, else this very binary.
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["HSIFLOW_BINARY"], !b.isEmpty { return b }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// The seconds between two polls of the cluster (`HSIFLOW_SLURM_POLL`, at least 0.1; 0.5 by default).
    static var pollInterval: Double {
        max(0.1, Double(ProcessInfo.processInfo.environment["HSIFLOW_SLURM_POLL"] ?? "") ?? 0.5)
    }

    /// Submits the plan's stages as jobs; with `detach`, prints the run id and returns; otherwise
    /// watches until every job has ended and collects the results.
    static func run(pipeline: Pipeline, prepared: PreparedExperiment, plan: Plan, experiment: ExperimentOptions,
                    resultsRoot: String, keepGoing: Bool, detach: Bool, quiet: Bool, json: Bool, started: Date) throws {
        let settings = ExecutorSettings.resolved(prepared.spec.executor)
        let results = ResultsFolder(resultsRoot: URL(fileURLWithPath: resultsRoot), experiment: prepared.spec.name)
        let executor = SlurmExecutor(pipeline: pipeline, control: SlurmCLI(), binary: binary)
        let runID = ManifestBuilder.runID(at: started)
        let path = ExperimentSpec.resolve(experiment.file, in: FileManager.default.currentDirectoryPath)
        let trap = StopTrap()
        let record = try EngineSupport.mapErrors { () throws(EngineError) in
            try executor.submit(prepared, plan: plan, results: results, experiment: path, overrides: experiment.overrides,
                                settings: settings, keepGoing: keepGoing, runID: runID, startedAt: started, stop: { trap.stopped })
        }
        if !quiet && !json {
            let cached = record.stages.filter { $0.action == .reuse }.count
            EngineSupport.printError("slurm: run \(runID): submitted \(record.jobs.count) job\(record.jobs.count == 1 ? "" : "s")"
                                     + (record.jobs.isEmpty ? "" : " (\(record.jobs.first ?? "")–\(record.jobs.last ?? ""))")
                                     + ", \(cached) stage\(cached == 1 ? "" : "s") cached")
        }
        if detach && !trap.stopped {
            EngineSupport.print(runID)
            if !quiet && !json { EngineSupport.printError("detached; collect the results with: hsiflow status \(runID)") }
            return
        }
        try finish(executor: executor, record: record, prepared: prepared, results: results, wait: true,
                   trap: trap, quiet: quiet, json: json)
    }

    /// Watches the jobs of `record` (until all have ended, or one look without `wait`), then,
    /// once they have, collects the results, writes the manifests and prints the summary.
    static func finish(executor: SlurmExecutor, record: SlurmRunRecord, prepared: PreparedExperiment, results: ResultsFolder,
                       wait: Bool, trap: StopTrap?, quiet: Bool, json: Bool) throws {
        let watch = executor.watch(record, interval: pollInterval, once: !wait, stop: { trap?.stopped ?? false }) { progress in
            if !quiet && !json { EngineSupport.printError(render(progress)) }
        }
        if watch.interrupted || trap?.stopped == true {
            let cancelled = watch.cancelled.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
            EngineSupport.printError("interrupted: cancelled \(cancelled.count) job\(cancelled.count == 1 ? "" : "s") of run \(record.runID)"
                                     + (cancelled.isEmpty ? "" : " (\(cancelled.joined(separator: " ")))"))
            throw ExitCode(130)
        }
        guard watch.finished else {
            EngineSupport.print("run \(record.runID) is still running; `hsiflow status \(record.runID) --wait` waits for it")
            return
        }
        let collected = try EngineSupport.mapErrors { () throws(EngineError) in
            try executor.collect(record, watch, prepared: prepared, results: results, toolVersion: HSIFlowCommand.version,
                                 environment: EnvironmentCollector.collect(threads: 1, jobs: max(1, record.jobs.count)))
        }
        let cacheRoot = executor.pipeline.store.directory ?? FileStore.defaultRoot(flag: nil)
        let reportURL = try ReportWriter.write(collected.current, into: results.directory, cacheRoot: cacheRoot)
        let r = collected.result
        if json {
            EngineSupport.print(String(decoding: try collected.record.encoded(), as: UTF8.self))
        } else if !quiet {
            var lines: [String] = []
            // One line per stage that did not finish; a failure's log tail follows in the error below.
            for o in r.outcomes where o.status == .failed || o.status == .skipped {
                let why = (o.error ?? o.reason.description).split(separator: "\n").first.map(String.init) ?? ""
                lines.append("  \(o.id): \(o.status.rawValue) — \(why)")
            }
            lines.append("slurm: \(r.count(.ran)) ran, \(r.count(.cached)) cached, \(r.count(.failed)) failed, \(r.count(.skipped)) skipped"
                         + " in \(String(format: "%.1f", r.seconds)) s (run \(record.runID))")
            lines.append("manifest: \(results.manifestURL.path)")
            lines.append("report: \(reportURL.path)")
            EngineSupport.print(lines.joined(separator: "\n"))
        }
        let failed = r.failed
        if !failed.isEmpty {
            throw WorkFailedError("\(failed.count) stage\(failed.count == 1 ? "" : "s") failed:\n"
                                  + failed.map { "  \($0.id): \($0.error ?? "failed")" }.joined(separator: "\n"))
        }
    }

    /// One progress line: counts, and which stages run.
    static func render(_ p: SlurmProgress) -> String {
        var parts = ["\(p.pending) pending", "\(p.running) running", "\(p.done) done", "\(p.failed) failed"]
        if p.cancelled > 0 { parts.append("\(p.cancelled) cancelled") }
        if p.cached > 0 { parts.append("\(p.cached) cached") }
        let running = p.runningStages.prefix(4).joined(separator: ", ") + (p.runningStages.count > 4 ? ", …" : "")
        return "slurm: " + parts.joined(separator: ", ") + (running.isEmpty ? "" : " — running: \(running)")
    }
}

/// Ctrl-C and SIGTERM, caught while a Slurm run is submitted or watched: they set `stopped`, and
/// the watcher cancels every job the run submitted before the command exits.
final class StopTrap: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    private func set() { lock.withLock { flag = true } }

    var stopped: Bool { lock.withLock { flag } }
}

/// `hsiflow status RUN`: the state of a Slurm run (one submitted with --detach, or interrupted
/// coordinator's), and, once every job has ended, its results collected into the manifests.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a Slurm run's progress; when its jobs have ended, collect the results and write the manifest.")

    @Argument(help: "The run id `hsiflow run --executor slurm --detach` printed, or the run's folder (results/<name>/runs/<run-id>).")
    var runID: String

    @Option(help: ArgumentHelp("Where results/<name>/ folders are.", valueName: "dir"))
    var results: String = "results"

    @Flag(help: "Wait until every job has ended, then collect.")
    var wait = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print the manifest as JSON instead of the summary.")
    var json = false

    func run() throws {
        let url = try recordURL()
        let record = try EngineSupport.mapErrors { () throws(EngineError) in try SlurmRunRecord.read(url) }
        let pipeline = try EngineSupport.pipeline(cache: record.cache)
        let prepared = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.prepare(path: record.experiment, overrides: record.overrides)
        }
        if prepared.spec.sha256 != record.sha256 && !quiet {
            EngineSupport.printError("warning: \(record.experiment) changed since run \(record.runID) was submitted; its jobs read the file as it was when each started")
        }
        // results/<name>/runs/<run-id>/slurm.json → results/<name>
        let folder = ResultsFolder(resultsRoot: url.deletingLastPathComponent().deletingLastPathComponent()
                                       .deletingLastPathComponent().deletingLastPathComponent(),
                                   experiment: prepared.spec.name)
        let executor = SlurmExecutor(pipeline: pipeline, control: SlurmCLI(), binary: SlurmRunning.binary)
        try SlurmRunning.finish(executor: executor, record: record, prepared: prepared, results: folder, wait: wait,
                                trap: nil, quiet: quiet, json: json)  // Ctrl-C stops watching; the jobs go on
    }

    /// The run's slurm.json: `run` as a folder, else as a run id under any results/<name>/runs/.
    private func recordURL() throws -> URL {
        let direct = URL(fileURLWithPath: runID).appendingPathComponent("slurm.json")
        if FileManager.default.fileExists(atPath: direct.path) { return direct }
        let root = URL(fileURLWithPath: results)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names.sorted() {
            let candidate = root.appendingPathComponent(name).appendingPathComponent("runs").appendingPathComponent(runID)
                .appendingPathComponent("slurm.json")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw UserInputError("no Slurm run '\(runID)' under \(root.path)/*/runs/ (give the run id `hsiflow run --executor slurm --detach` printed, or the run's folder; --results names another results root)")
    }
}
