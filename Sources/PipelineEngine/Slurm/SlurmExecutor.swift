// SlurmExecutor: runs a plan on a Slurm cluster. `submit` turns every stage the plan must run
// into one job — a script running `hsiflow stage run` against the shared cache, submitted with
// `sbatch --parsable`, `--dependency=afterok:` on its upstream stages' jobs and
// `--kill-on-invalid-dep=yes` — and records the run (SlurmRunRecord). Cached stages submit
// nothing. `watch` polls the cluster at a bounded rate until every job has ended (cancelling the
// rest after a failure unless --keep-going, or everything when told to stop); `collect` reads
// each stage's report and record back from the cache and builds the run's manifest, with the job
// id, node and log of every submitted stage. Scheduling across machines is Slurm's.
public import Foundation
public import PipelineModel

/// What `hsiflow stage run --report FILE` writes: how the stage ended in its job.
public struct StageJobReport: Codable, Sendable {
    public let id: String
    /// ran | cached | failed | skipped (Manifest.Status).
    public let status: Manifest.Status
    public let reason: String
    public let key: String
    public let seconds: Double
    public let threads: Int?
    public let error: String?

    public init(_ outcome: StageOutcome) {
        id = outcome.id.description
        status = outcome.status
        reason = outcome.reason.description
        key = outcome.key
        seconds = outcome.seconds
        threads = outcome.threads
        error = outcome.error
    }
}

/// Counts of a Slurm run's stages while it is watched.
public struct SlurmProgress: Sendable, Equatable {
    public var cached = 0
    public var pending = 0
    public var running = 0
    public var done = 0
    public var failed = 0
    public var cancelled = 0
    /// The stages whose jobs run now.
    public var runningStages: [String] = []
    public var total: Int { cached + pending + running + done + failed + cancelled }
}

/// How watching ended.
public struct SlurmWatch: Sendable {
    /// The last state seen of every job.
    public var states: [String: SlurmJobState]
    /// The stage whose failure stopped the run (without --keep-going).
    public var stoppedAfter: StageID?
    /// Jobs this coordinator cancelled.
    public var cancelled: Set<String>
    /// Told to stop (Ctrl-C, SIGTERM): every unfinished job was cancelled.
    public var interrupted: Bool
    /// Every job has ended.
    public var finished: Bool
}

/// The Slurm executor.
public struct SlurmExecutor: Sendable {
    public let pipeline: Pipeline
    public let control: any SlurmControl
    /// The `hsiflow` executable every job runs (it must be at this path on every node).
    public let binary: String

    public init(pipeline: Pipeline, control: any SlurmControl, binary: String) {
        self.pipeline = pipeline
        self.control = control
        self.binary = binary
    }

    // MARK: - Submitting

    /// Submits a job for every stage `plan` must run, in dependency order, and writes the run's
    /// record. `experiment` is the absolute path of the experiment file. Checks `stop` after every
    /// submission: when it says stop, cancels what was submitted and returns the record so far.
    public func submit(_ prepared: PreparedExperiment, plan: Plan, results: ResultsFolder, experiment: String,
                       overrides: [String], settings: ExecutorSettings, keepGoing: Bool, runID: String,
                       startedAt: Date, stop: () -> Bool = { false }) throws(EngineError) -> SlurmRunRecord {
        guard let cache = pipeline.store.directory?.standardizedFileURL.path else {
            throw .executorFailure(command: "hsiflow run --executor slurm", message: "the Slurm executor needs a cache on disk (a shared filesystem)")
        }
        let runDir = SlurmRunRecord.directory(in: results, runID: runID)
        let scripts = runDir.appendingPathComponent("jobs", isDirectory: true)
        let logs = runDir.appendingPathComponent("logs", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        } catch {
            throw .storeFailure(path: runDir.path, reason: "cannot create the run's folder (\(error.localizedDescription))")
        }
        var record = SlurmRunRecord(runID: runID, startedAt: startedAt.timeIntervalSince1970, experiment: experiment,
                                    overrides: overrides, sha256: prepared.spec.sha256, cache: cache, keepGoing: keepGoing, stages: [])
        var jobOf: [StageID: String] = [:]
        for step in plan.steps {
            var entry = SlurmRunRecord.Stage(id: step.id.description, action: step.action, reason: step.reason.description,
                                             key: step.key, job: nil, log: nil, report: nil)
            if step.action == .run, let stage = prepared.graph.stage(step.id) {
                let name = step.id.description
                let log = logs.appendingPathComponent("\(name).log")
                let report = logs.appendingPathComponent("\(name).report.json")
                let script = scripts.appendingPathComponent("\(name).sh")
                let resources = StageResources.resolved(stage.resources, defaults: pipeline.registry[stage.kind]?.resources ?? StageResources())
                do {
                    try jobScript(stage: name, experiment: experiment, overrides: overrides, cache: cache,
                                  threads: resources.cpus, report: report.path, force: step.forced)
                        .write(to: script, atomically: true, encoding: .utf8)
                } catch {
                    control.cancel(Array(jobOf.values))
                    throw .storeFailure(path: script.path, reason: "cannot write the job script (\(error.localizedDescription))")
                }
                let upstream = Set(stage.needs + stage.inputStages).compactMap { jobOf[$0] }.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
                let arguments = sbatchArguments(experiment: prepared.spec.name, stage: name, log: log.path,
                                                resources: resources, settings: settings, after: upstream)
                do throws(EngineError) {
                    jobOf[step.id] = try control.submit(arguments: arguments, script: script)
                } catch {
                    control.cancel(Array(jobOf.values))
                    let why = if case .executorFailure(_, let message) = error { message } else { error.description }
                    throw .executorFailure(command: "sbatch (stage \(name))",
                                           message: "\(why); the \(jobOf.count) job\(jobOf.count == 1 ? "" : "s") already submitted were cancelled")
                }
                entry.job = jobOf[step.id]
                entry.log = relative(log, to: results)
                entry.report = relative(report, to: results)
            }
            record.stages.append(entry)
            if stop() { break }
        }
        try record.write(to: SlurmRunRecord.url(in: results, runID: runID))
        return record
    }

    /// The sbatch options of one stage's job.
    func sbatchArguments(experiment: String, stage: String, log: String, resources: StageResources,
                         settings: ExecutorSettings, after upstream: [String]) -> [String] {
        var args = ["--job-name=hsiflow:\(experiment):\(stage)", "--output=\(log)", "--error=\(log)",
                    "--chdir=\(FileManager.default.currentDirectoryPath)", "--kill-on-invalid-dep=yes",
                    "--cpus-per-task=\(resources.cpus)", "--mem=\(resources.memory)", "--time=\(resources.time)"]
        if let gres = resources.gres { args.append("--gres=\(gres)") }
        if !upstream.isEmpty { args.append("--dependency=afterok:" + upstream.joined(separator: ":")) }
        if let partition = settings.partition { args.append("--partition=\(partition)") }
        if let account = settings.account { args.append("--account=\(account)") }
        if let qos = settings.qos { args.append("--qos=\(qos)") }
        return args + settings.sbatchArgs
    }

    /// The job's script: `hsiflow stage run` of one stage against the shared cache.
    func jobScript(stage: String, experiment: String, overrides: [String], cache: String, threads: Int,
                   report: String, force: Bool) -> String {
        var words = [binary, "stage", "run", experiment, stage, "--cache", cache, "--threads", String(threads), "--report", report]
        for o in overrides { words += ["--set", o] }
        if force { words.append("--force") }
        return "#!/bin/sh\n# hsiflow: stage \(stage) of \(experiment)\nexec " + words.map(shellQuoted).joined(separator: " ") + "\n"
    }

    private func shellQuoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    private func relative(_ url: URL, to results: ResultsFolder) -> String {
        let base = results.directory.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    // MARK: - Watching

    /// Polls the jobs of `record` every `interval` seconds (one `squeue` call per poll, whatever the
    /// number of jobs) until all have ended, reporting progress when it changes. Without
    /// --keep-going, the first failure cancels every unfinished job; `stop` cancels them all.
    /// `once` looks a single time (for `hsiflow status` without --wait).
    public func watch(_ record: SlurmRunRecord, interval: Double = 0.5, once: Bool = false,
                      stop: () -> Bool = { false }, progress: (SlurmProgress) -> Void = { _ in }) -> SlurmWatch {
        let jobs = record.jobs
        let stageOf = Dictionary(record.stages.compactMap { s in s.job.map { ($0, s.id) } }, uniquingKeysWith: { a, _ in a })
        var watch = SlurmWatch(states: [:], stoppedAfter: nil, cancelled: [], interrupted: false, finished: false)
        var last: SlurmProgress?
        while true {
            let open = jobs.filter { !(watch.states[$0]?.isFinal ?? false) }
            if let seen = try? control.states(of: open) {
                for (id, state) in seen { watch.states[id] = state }
            }
            if !record.keepGoing, watch.stoppedAfter == nil,
               let failed = jobs.first(where: { isFailure(watch.states[$0], job: $0, cancelled: watch.cancelled) }) {
                watch.stoppedAfter = stageOf[failed].flatMap(StageID.init(parsing:))
                let rest = jobs.filter { !(watch.states[$0]?.isFinal ?? false) }
                control.cancel(rest)
                watch.cancelled.formUnion(rest)
            }
            let now = counts(record, watch)
            if now != last { progress(now); last = now }
            watch.finished = jobs.allSatisfy { watch.states[$0]?.isFinal ?? false }
            if watch.finished || once { return watch }
            // Sleep in short steps, so a signal is acted on within 0.05 s.
            let until = Date().addingTimeInterval(interval)
            while Date() < until {
                if stop() {
                    let rest = jobs.filter { !(watch.states[$0]?.isFinal ?? false) }
                    control.cancel(rest)
                    watch.cancelled.formUnion(rest)
                    watch.interrupted = true
                    return watch
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// A job that ended without completing, other than one cancelled by Slurm for a failed
    /// dependency or by this coordinator.
    private func isFailure(_ state: SlurmJobState?, job: String, cancelled: Set<String>) -> Bool {
        guard let state, state.isFinal, state.state != "COMPLETED" else { return false }
        return !state.isDependencyCancel && !cancelled.contains(job)
    }

    private func counts(_ record: SlurmRunRecord, _ watch: SlurmWatch) -> SlurmProgress {
        var p = SlurmProgress()
        for stage in record.stages {
            guard let job = stage.job else {
                if stage.action == .reuse { p.cached += 1 }
                continue
            }
            guard let state = watch.states[job] else { p.pending += 1; continue }
            if state.state == "COMPLETED" { p.done += 1 }
            else if state.isRunning { p.running += 1; p.runningStages.append(stage.id) }
            else if !state.isFinal { p.pending += 1 }
            else if isFailure(state, job: job, cancelled: watch.cancelled) { p.failed += 1 }
            else { p.cancelled += 1 }
        }
        return p
    }

    // MARK: - Collecting

    /// What collecting a finished run gives.
    public struct Collected: Sendable {
        public let result: RunResult
        /// The run's own record and the current manifest, both written.
        public let record: Manifest
        public let current: Manifest
    }

    /// Builds the run's outcomes from the jobs' final states, their reports and the cache, writes
    /// the run's manifest and the current one, and returns them.
    public func collect(_ record: SlurmRunRecord, _ watch: SlurmWatch, prepared: PreparedExperiment, results: ResultsFolder,
                        toolVersion: String, environment: Manifest.Environment?) throws(EngineError) -> Collected {
        let store = pipeline.store
        var outcomes: [StageOutcome] = []
        var byID: [StageID: StageOutcome] = [:]
        var jobs: [String: Manifest.Job] = [:]
        for entry in record.stages {
            guard let id = StageID(parsing: entry.id), let stage = prepared.graph.stage(id) else { continue }
            let version = pipeline.registry[stage.kind]?.version ?? 0
            let inputs = stage.inputStages.compactMap { need in byID[need].map { (stage: need, key: $0.key) } }
            func outcome(_ status: Manifest.Status, _ reason: Reason, key: String = "", record: StageRecord? = nil,
                         seconds: Double = 0, threads: Int? = nil, error: String? = nil) -> StageOutcome {
                StageOutcome(id: id, kind: stage.kind, version: version, status: status, reason: reason, key: key,
                             record: record, inputs: key.isEmpty ? [] : inputs, seconds: seconds, threads: threads, error: error)
            }
            let made: StageOutcome
            switch entry.action {
            case .excluded:
                made = outcome(.skipped, .recorded(entry.reason))
            case .reuse:
                if let key = entry.key, let cached = store.record(key, in: .stages) {
                    made = outcome(.cached, .recorded(entry.reason), key: key, record: cached, seconds: cached.seconds, threads: cached.threads)
                } else {
                    made = outcome(.failed, .recordVanished, key: entry.key ?? "", error: "its cached record vanished before the run finished; run again")
                }
            case .run:
                guard let job = entry.job else {
                    // Submission stopped before this stage (interrupted).
                    made = outcome(.skipped, .recorded("not submitted: the run was interrupted"))
                    break
                }
                let state = watch.states[job]
                let logURL = entry.log.map { results.directory.appendingPathComponent($0) }
                jobs[entry.id] = Manifest.Job(id: job, node: state?.node, state: state?.state ?? "UNKNOWN", log: entry.log ?? "")
                let report = entry.report.flatMap { try? Data(contentsOf: results.directory.appendingPathComponent($0)) }
                    .flatMap { try? JSONDecoder().decode(StageJobReport.self, from: $0) }
                let failedUpstream = stage.inputStages.first { byID[$0]?.status == .failed }
                let skippedUpstream = stage.inputStages.first { byID[$0]?.status == .skipped }
                switch state {
                case let s? where s.state == "COMPLETED":
                    if let report, let cached = store.record(report.key, in: .stages) {
                        let reason: Reason = report.status == .cached ? .earlyCutoff : .recorded(entry.reason)
                        made = outcome(report.status == .cached ? .cached : .ran, reason, key: report.key, record: cached,
                                       seconds: report.status == .cached ? cached.seconds : report.seconds,
                                       threads: report.threads ?? cached.threads)
                    } else {
                        made = outcome(.failed, .recorded(entry.reason), key: report?.key ?? "",
                                       error: "job \(job) completed but left no stage report or record\(logTail(logURL))")
                    }
                case let s? where s.isDependencyCancel || watch.cancelled.contains(job) && s.isFinal:
                    if let failedUpstream {
                        made = outcome(.skipped, .upstreamFailed(failedUpstream))
                    } else if let skippedUpstream {
                        made = outcome(.skipped, .upstreamSkipped(skippedUpstream))
                    } else if let stop = watch.stoppedAfter {
                        made = outcome(.skipped, .stoppedAfter(stop))
                    } else {
                        made = outcome(.skipped, .recorded("cancelled: the run was interrupted"))
                    }
                case let s? where s.isFinal:
                    let why = report?.error.map { "\($0); " } ?? ""
                    made = outcome(.failed, .recorded(entry.reason), key: report?.key ?? "", seconds: report?.seconds ?? 0,
                                   threads: report?.threads,
                                   error: "\(why)job \(job) ended \(s.state)\(s.reason.isEmpty ? "" : " (\(s.reason))")\(s.node.map { " on \($0)" } ?? ""); log \(entry.log ?? "?")\(logTail(logURL))")
                default:
                    made = outcome(.skipped, .recorded("job \(job) has not finished (\(state?.state ?? "not known to Slurm yet"))"))
                }
            }
            outcomes.append(made)
            byID[id] = made
        }
        let startedAt = Date(timeIntervalSince1970: record.startedAt)
        let result = RunResult(outcomes: outcomes, seconds: Date().timeIntervalSince(startedAt))
        var manifest = ManifestBuilder.manifest(spec: prepared.spec, result: result, files: prepared.files, store: store,
                                                runID: record.runID, startedAt: startedAt, toolVersion: toolVersion,
                                                environment: environment)
        for i in manifest.stages.indices { manifest.stages[i].job = jobs[manifest.stages[i].id] }
        let plan = Plan(steps: record.stages.compactMap { s in
            StageID(parsing: s.id).map { Plan.Step(id: $0, kind: prepared.graph.stage($0)?.kind ?? "", action: s.action, reason: .recorded(s.reason), key: s.key) }
        })
        let current = ManifestBuilder.current(run: manifest, previous: results.currentManifest(), spec: prepared.spec, plan: plan,
                                              result: result, files: prepared.files)
        try results.write(record: manifest, current: current)
        return Collected(result: result, record: manifest, current: current)
    }

    /// The last lines of a job's log, indented, for a failure message.
    private func logTail(_ url: URL?, lines: Int = 15) -> String {
        guard let url, let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
            .map { "    | \($0)" }.joined(separator: "\n")
        return tail.isEmpty ? "" : "\n  last lines of the log:\n" + tail
    }
}
